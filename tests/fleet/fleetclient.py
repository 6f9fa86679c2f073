# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bounded client load: workers stream generations through a gateway and record every request's outcome.

Used by tests/fleet/run.py (zero failed requests during a rolling upgrade) and bench/fleet_bench.py
(throughput). Standard library only. A request counts as successful when the gateway answers 200 and the
stream ends with `"done": true` and no `error` object; anything else (refused connection, reset, HTTP error,
truncated stream, in-stream error) is a failure with its reason.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
import urllib.parse


class Result:
    def __init__(self, started, ok, seconds, reason=""):
        self.started = started
        self.ok = ok
        self.seconds = seconds
        self.reason = reason


def generate_once(url, api_key, model, num_predict, cafile=None, timeout=120):
    """One streamed /api/generate on a new connection; returns (ok, reason)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=cafile)
        conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    body = json.dumps({"model": model, "prompt": "Count slowly.", "stream": True,
                       "options": {"num_predict": num_predict}})
    try:
        conn.request("POST", parts.path.rstrip("/") + "/api/generate", body=body,
                     headers={"Authorization": "Bearer " + api_key, "Content-Type": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            return False, "HTTP %d %s" % (response.status, response.read(200).decode("utf-8", "replace").strip())
        last = None
        for line in response:
            line = line.strip()
            if not line:
                continue
            last = json.loads(line)
            if "error" in last:
                return False, "in-stream error: %s" % last["error"]
        if not last or not last.get("done"):
            return False, "stream ended before done:true"
        return True, ""
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return False, "%s: %s" % (type(exc).__name__, exc)
    finally:
        conn.close()


class Load:
    """`workers` threads sending generations back to back until stop() or `max_seconds`/`max_requests`."""

    def __init__(self, url, api_key, model, workers=4, num_predict=20, cafile=None, max_seconds=900,
                 max_requests=20000):
        self.args = (url, api_key, model, num_predict, cafile)
        self.workers = workers
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.results = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        self.t0 = None

    def _work(self):
        while not self._stop.is_set():
            with self._lock:
                if len(self.results) >= self.max_requests:
                    return
            if time.monotonic() - self.t0 > self.max_seconds:
                return
            started = time.monotonic()
            ok, reason = generate_once(*self.args)
            with self._lock:
                self.results.append(Result(started - self.t0, ok, time.monotonic() - started, reason))

    def start(self):
        self.t0 = time.monotonic()
        for _index in range(self.workers):
            thread = threading.Thread(target=self._work, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return self

    def elapsed(self):
        return time.monotonic() - self.t0

    def summary(self):
        failed = [r for r in self.results if not r.ok]
        return {"requests": len(self.results), "succeeded": len(self.results) - len(failed), "failed": len(failed),
                "failures": ["t=%.1fs %s" % (r.started, r.reason) for r in failed[:20]]}
