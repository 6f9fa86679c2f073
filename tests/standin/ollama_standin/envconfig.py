"""Environment parsing exactly like upstream envconfig/config.go (ollama-server.md §1)."""
from __future__ import annotations

import ipaddress
import os
import re
import sys

from . import log

MAX_INT64 = (1 << 63) - 1


class HomeError(Exception):
    """os.UserHomeDir() failure: `$HOME is not defined` (ollama-server.md §2)."""

    def __str__(self):
        return "$HOME is not defined"


def var(key):
    # ollama-server.md §1.1: trim whitespace, then strip leading/trailing quotes.
    value = os.environ.get(key, "").strip()
    return value.strip("\"'")


def parse_go_bool(value):
    """strconv.ParseBool: returns True/False or None when it does not parse."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def bool_env(key, default=False):
    # ollama-server.md §1.1: empty -> default; unparseable -> TRUE.
    value = var(key)
    if value == "":
        return default
    parsed = parse_go_bool(value)
    return True if parsed is None else parsed


def uint_env(key, default):
    # ollama-server.md §1.1: base-10 unsigned, otherwise log and use the default.
    value = var(key)
    if value == "":
        return default
    if re.fullmatch(r"[0-9]+", value):
        return int(value)
    log.warn("invalid environment variable, using default", key=key, value=value, default=default)
    return default


_DUR_UNITS = {"ns": 1, "us": 1000, "\u00b5s": 1000, "\u03bcs": 1000, "ms": 10 ** 6, "s": 10 ** 9, "m": 60 * 10 ** 9, "h": 3600 * 10 ** 9}
_DUR_RE = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_go_duration(text):
    """time.ParseDuration -> nanoseconds, or raise ValueError."""
    s = text
    if s == "":
        raise ValueError("time: invalid duration \"\"")
    neg = False
    if s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise ValueError("time: invalid duration %r" % text)
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _DUR_RE.match(s, pos)
        if not m or m.group(1) in ("", "."):
            raise ValueError("time: invalid duration %r" % text)
        total += float(m.group(1)) * _DUR_UNITS[m.group(2)]
        pos = m.end()
    total = int(round(total))
    return -total if neg else total


def format_go_duration(ns):
    """time.Duration.String() for the values we print (5m0s, 1h30m0s, 0s, 2562047h47m16.854775807s)."""
    if ns == 0:
        return "0s"
    neg = ns < 0
    ns = abs(ns)
    if ns < 10 ** 9:
        if ns < 1000:
            out = "%dns" % ns
        elif ns < 10 ** 6:
            out = ("%.3f" % (ns / 1000)).rstrip("0").rstrip(".") + "\u00b5s"
        else:
            out = ("%.6f" % (ns / 10 ** 6)).rstrip("0").rstrip(".") + "ms"
    else:
        h, rem = divmod(ns, 3600 * 10 ** 9)
        m, rem = divmod(rem, 60 * 10 ** 9)
        sec, frac = divmod(rem, 10 ** 9)
        s = str(sec) + (("." + ("%09d" % frac).rstrip("0")) if frac else "") + "s"
        out = ("%dh%dm" % (h, m) if h else ("%dm" % m if m else "")) + s
    return ("-" if neg else "") + out


def _duration_env(key, default_ns, nonpositive_infinite=False):
    value = var(key)
    if value == "":
        return default_ns
    try:
        ns = parse_go_duration(value)
    except ValueError:
        try:
            ns = int(value) * 10 ** 9
        except ValueError:
            return default_ns  # ollama-server.md §1.2: silently falls back
    if nonpositive_infinite:
        return MAX_INT64 if ns <= 0 else ns
    return MAX_INT64 if ns < 0 else ns


def keep_alive():
    # ollama-server.md §1.2 OLLAMA_KEEP_ALIVE: Go duration, else integer seconds; negative = forever.
    return _duration_env("OLLAMA_KEEP_ALIVE", 5 * 60 * 10 ** 9)


def load_timeout():
    return _duration_env("OLLAMA_LOAD_TIMEOUT", 5 * 60 * 10 ** 9, nonpositive_infinite=True)


class HostURL:
    """Result of envconfig.Host(): scheme, host (for net.Listen), path."""

    def __init__(self, scheme, hostname, port, path=""):
        self.scheme = scheme
        self.hostname = hostname
        self.port = port
        self.path = path

    @property
    def host(self):
        h = self.hostname
        if ":" in h:
            h = "[" + h + "]"
        return "%s:%s" % (h, self.port)

    def url(self):
        return "%s://%s%s" % (self.scheme, self.host, self.path)

    def __str__(self):
        return self.url()


def parse_host(raw):
    """envconfig.Host() (ollama-server.md §1.3), transcribed from the Go code."""
    default_port = "11434"
    s = raw.strip().strip("\"'").strip()
    scheme, sep, hostport = s.partition("://")
    if not sep:
        scheme, hostport = "http", s
        if s == "ollama.com":
            scheme, hostport = "https", "ollama.com:443"
    elif scheme == "http":
        default_port = "80"
    elif scheme == "https":
        default_port = "443"
    hostport, _ignored, path = hostport.partition("/")
    host_, port = _split_host_port(hostport)
    if host_ is None:
        host_, port = "127.0.0.1", default_port
        try:
            host_ = str(ipaddress.ip_address(hostport.strip("[]")))
        except ValueError:
            if hostport != "":
                host_ = hostport
    if not re.fullmatch(r"[+-]?[0-9]+", port or "") or not 0 <= int(port) <= 65535:
        log.warn("invalid port, using default", port=port, default=default_port)
        port = default_port
    return HostURL(scheme, host_, str(int(port)), ("/" + path) if path else "")


def _split_host_port(hostport):
    """net.SplitHostPort: (host, port) or (None, None) when it fails."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or not hostport[end + 1:].startswith(":") or ":" in hostport[end + 2:]:
            return None, None
        return hostport[1:end], hostport[end + 2:]
    if hostport.count(":") != 1:
        return None, None
    h, p = hostport.split(":")
    return h, p


def host():
    return parse_host(var("OLLAMA_HOST"))


DEFAULT_ORIGIN_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0")
DEFAULT_ORIGIN_EXTRA = ("app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*")


def allowed_origins():
    # ollama-server.md §4: ORIGINS split on ',' (no trimming), placed in front of the defaults.
    origins = []
    value = var("OLLAMA_ORIGINS")
    if value != "":
        origins = value.split(",")
    for h in DEFAULT_ORIGIN_HOSTS:
        origins += ["http://" + h, "https://" + h, "http://" + h + ":*", "https://" + h + ":*"]
    return origins + list(DEFAULT_ORIGIN_EXTRA)


def models_dir():
    # ollama-server.md §2: OLLAMA_MODELS or $HOME/.ollama/models; HOME unset/empty -> error.
    value = var("OLLAMA_MODELS")
    if value:
        return value
    return os.path.join(user_home_dir(), ".ollama", "models")


def user_home_dir():
    home = os.environ.get("HOME", "")
    if home == "":
        raise HomeError()
    return home


def num_parallel():
    return max(1, uint_env("OLLAMA_NUM_PARALLEL", 1))  # §1.2 clamps below 1 to 1


def max_queue():
    return uint_env("OLLAMA_MAX_QUEUE", 512)


def max_loaded_models():
    return uint_env("OLLAMA_MAX_LOADED_MODELS", 0)


def context_length():
    return uint_env("OLLAMA_CONTEXT_LENGTH", 0)


def _fmt_list(items):
    return "[" + " ".join(items) + "]"


def values():
    """envconfig.Values() as printed in the `server config` log line (§1.1)."""
    env = {
        "CUDA_VISIBLE_DEVICES": var("CUDA_VISIBLE_DEVICES"),
        "GGML_VK_VISIBLE_DEVICES": var("GGML_VK_VISIBLE_DEVICES"),
        "GPU_DEVICE_ORDINAL": var("GPU_DEVICE_ORDINAL"),
        "HIP_VISIBLE_DEVICES": var("HIP_VISIBLE_DEVICES"),
        "HSA_OVERRIDE_GFX_VERSION": var("HSA_OVERRIDE_GFX_VERSION"),
        "HTTPS_PROXY": var("HTTPS_PROXY") or var("https_proxy"),
        "HTTP_PROXY": var("HTTP_PROXY") or var("http_proxy"),
        "NO_PROXY": var("NO_PROXY") or var("no_proxy"),
        "OLLAMA_CONTEXT_LENGTH": str(context_length()),
        "OLLAMA_DEBUG": var("OLLAMA_DEBUG") or "INFO",
        # ollama-server.md §1.1: prints false even when the effective mode is auto.
        "OLLAMA_FLASH_ATTENTION": "true" if bool_env("OLLAMA_FLASH_ATTENTION") else "false",
        "OLLAMA_GPU_OVERHEAD": str(uint_env("OLLAMA_GPU_OVERHEAD", 0)),
        "OLLAMA_HOST": host().url(),
        "OLLAMA_KEEP_ALIVE": format_go_duration(keep_alive()),
        "OLLAMA_KV_CACHE_TYPE": var("OLLAMA_KV_CACHE_TYPE"),
        "OLLAMA_LLM_LIBRARY": var("OLLAMA_LLM_LIBRARY"),
        "OLLAMA_LOAD_TIMEOUT": format_go_duration(load_timeout()),
        "OLLAMA_MAX_LOADED_MODELS": str(max_loaded_models()),
        "OLLAMA_MAX_QUEUE": str(max_queue()),
        "OLLAMA_MODELS": models_dir(),
        "OLLAMA_NOHISTORY": str(bool_env("OLLAMA_NOHISTORY")).lower(),
        "OLLAMA_NOPRUNE": str(bool_env("OLLAMA_NOPRUNE")).lower(),
        "OLLAMA_NO_CLOUD": str(bool_env("OLLAMA_NO_CLOUD")).lower(),
        "OLLAMA_NUM_PARALLEL": str(num_parallel()),
        "OLLAMA_ORIGINS": _fmt_list(allowed_origins()),
        "OLLAMA_REMOTES": _fmt_list((var("OLLAMA_REMOTES") or "ollama.com").split(",")),
        "OLLAMA_SCHED_SPREAD": str(bool_env("OLLAMA_SCHED_SPREAD")).lower(),
        "OLLAMA_VULKAN": str(bool_env("OLLAMA_VULKAN", True)).lower(),
        "ROCR_VISIBLE_DEVICES": var("ROCR_VISIBLE_DEVICES"),
    }
    return env


def format_map(env):
    return "map[" + " ".join("%s:%s" % (k, env[k]) for k in sorted(env)) + "]"


def standin_float(key, default):
    """OLLAMA_STANDIN_* numeric knobs (test-only)."""
    value = var(key)
    if value == "":
        return default
    try:
        return float(value)
    except ValueError:
        sys.stderr.write("invalid %s=%r, using %s\n" % (key, value, default))
        return default
