# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bounded client load: workers stream generations through a gateway and record every request's outcome.

Used by tests/fleet/run.py (zero failed requests during a rolling upgrade), tests/fleet/routing.py and the
benchmarks under bench/. Standard library only. A request counts as successful when the gateway answers 200 and the
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
    def __init__(self, started, ok, seconds, reason="", model=""):
        self.started = started
        self.ok = ok
        self.seconds = seconds
        self.reason = reason
        self.model = model


class Reply:
    """One HTTP answer: status, headers (lower-case names), text, and the JSON body (None when it is not JSON)."""

    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.text[:300].strip())


def connect(url, cafile=None, timeout=120):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=cafile)
        return http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout, context=context)
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)


def call(url, api_key, method, path, body=None, cafile=None, timeout=60, headers=None):
    """One request on a new connection (a JSON body when `body` is given); returns a Reply. A connection error
    becomes status 0 with the exception as the text."""
    conn = connect(url, cafile, timeout)
    sent = {"Authorization": "Bearer " + api_key} if api_key else {}
    if body is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    try:
        conn.request(method, urllib.parse.urlsplit(url).path.rstrip("/") + path,
                     body=json.dumps(body) if body is not None else None, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
    except (OSError, http.client.HTTPException) as exc:
        return Reply(0, {}, "%s: %s" % (type(exc).__name__, exc))
    finally:
        conn.close()


def generate_once(url, api_key, model, num_predict, cafile=None, timeout=120):
    """One streamed /api/generate on a new connection; returns (ok, reason)."""
    conn = connect(url, cafile, timeout)
    parts = urllib.parse.urlsplit(url)
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
    """`workers` threads sending generations back to back until stop() or `max_seconds`/`max_requests`.
    `model` is one name or a list: each worker then takes the models in turn, starting at its own offset, so every
    model gets requests all the time."""

    def __init__(self, url, api_key, model, workers=4, num_predict=20, cafile=None, max_seconds=900,
                 max_requests=20000):
        self.models = [model] if isinstance(model, str) else list(model)
        self.args = (url, api_key, num_predict, cafile)
        self.workers = workers
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.results = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        self.t0 = None

    def _work(self, index):
        url, api_key, num_predict, cafile = self.args
        while not self._stop.is_set():
            with self._lock:
                if len(self.results) >= self.max_requests:
                    return
            if time.monotonic() - self.t0 > self.max_seconds:
                return
            model = self.models[index % len(self.models)]
            index += 1
            started = time.monotonic()
            ok, reason = generate_once(url, api_key, model, num_predict, cafile)
            with self._lock:
                self.results.append(Result(started - self.t0, ok, time.monotonic() - started, reason, model))

    def start(self):
        self.t0 = time.monotonic()
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, args=(index,), daemon=True)
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
                "per_model": {m: sum(1 for r in self.results if r.model == m) for m in self.models},
                "failures": ["t=%.1fs %s %s" % (r.started, r.model, r.reason) for r in failed[:20]]}
