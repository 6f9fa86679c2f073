"""slog text-handler style logging to stderr (ollama-server.md §5.1: slog -> stderr, GIN -> stdout)."""
from __future__ import annotations

import datetime
import json
import sys
import threading

_lock = threading.Lock()


def _quote(value):
    s = str(value)
    if s == "" or any(c in s for c in ' "=\n\t') or not s.isprintable():
        return json.dumps(s, ensure_ascii=False)
    return s


def _now():
    t = datetime.datetime.now().astimezone()
    return t.isoformat(timespec="milliseconds")


def emit(level, msg, source="routes.go:1", **attrs):
    parts = ["time=" + _now(), "level=" + level, "source=" + source, "msg=" + _quote(msg)]
    parts += ["%s=%s" % (k, _quote(v)) for k, v in attrs.items()]
    line = " ".join(parts) + "\n"
    with _lock:
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def info(msg, **attrs):
    emit("INFO", msg, **attrs)


def warn(msg, **attrs):
    emit("WARN", msg, source="envconfig/config.go:1", **attrs)


def gin(status, latency_s, client, method, path):
    """Gin access line on stdout (ollama-server.md §5.1)."""
    now = datetime.datetime.now()
    lat = latency_s * 1000
    lat_s = ("%.3fms" % lat) if lat >= 1 else ("%.1f\u00b5s" % (lat * 1000))
    line = '[GIN] %s | %3d | %13s | %15s | %-7s "%s"\n' % (now.strftime("%Y/%m/%d - %H:%M:%S"), status, lat_s, client, method, path)
    with _lock:
        try:
            sys.stdout.write(line)
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
