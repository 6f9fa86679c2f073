"""Deterministic "generation" and embeddings (no inference) plus the request scheduler (ollama-server.md §1.2, §5.7)."""
from __future__ import annotations

import hashlib
import math
import struct
import threading
import time

from . import envconfig

WORDS = (
    "the quick brown fox jumps over lazy dog ollama stands in for a real model while tests measure streaming "
    "tokens arrive one by one deterministic text derived from prompt and model name llama alpaca herd pasture "
    "mountain river cloud server request queue slot parallel answer hello world"
).split()

QUEUE_FULL = "server busy, please try again.  maximum pending requests exceeded"  # §1.2, two spaces


class QueueFull(Exception):
    pass


def _stream(seed):
    counter = 0
    while True:
        block = hashlib.sha256(seed + struct.pack("<Q", counter)).digest()
        counter += 1
        yield from block


def tokens(model, prompt, num_predict=-1):
    """Returns (list of token strings, done_reason)."""
    seed = hashlib.sha256(("%s\0%s" % (model, prompt)).encode()).digest()
    gen = _stream(seed)
    natural = 8 + next(gen) % 17
    reason = "stop"
    n = natural
    if num_predict is not None and num_predict >= 0 and num_predict < natural:
        n, reason = num_predict, "length"
    out = []
    for i in range(n):
        w = WORDS[next(gen) % len(WORDS)]
        out.append(w if i == 0 else " " + w)
    if reason == "stop" and out:
        out[-1] += "."
    return out, reason


def count_tokens(text):
    return max(1, len(str(text).split()))


def embedding(model, text, dims):
    seed = hashlib.sha256(("%s\0%s" % (model, text)).encode()).digest()
    vec = []
    counter = 0
    while len(vec) < dims:
        block = hashlib.sha256(seed + struct.pack("<Q", counter)).digest()
        counter += 1
        for i in range(0, 32, 4):
            vec.append(struct.unpack("<I", block[i:i + 4])[0] / 2 ** 31 - 1.0)
    vec = vec[:dims]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]  # §5.2: vectors are L2-normalised


def token_delay():
    return envconfig.standin_float("OLLAMA_STANDIN_TOKEN_DELAY_MS", 20.0) / 1000.0


def sched_key(model):
    """A loaded model is its name and its manifest: a model re-created under the same name while the old one is still
    loaded gets an entry of its own, and /api/ps lists both until the old one expires (real Ollama 0.32.15, issue 13)."""
    return model.name.key() + (model.digest,)


class Loaded:
    def __init__(self, model):
        self.model = model
        self.key = sched_key(model)
        self.running = 0
        self.expires = None  # monotonic deadline; None = forever
        self.expires_wall = None
        self.last_used = time.monotonic()


class Scheduler:
    """At most OLLAMA_NUM_PARALLEL requests run per loaded model; waiting requests beyond OLLAMA_MAX_QUEUE get 503."""

    def __init__(self):
        self.cond = threading.Condition()
        self.loaded = {}
        self.waiting = 0
        self.num_parallel = envconfig.num_parallel()
        self.max_queue = envconfig.max_queue()
        self.max_loaded = envconfig.max_loaded_models() or 3  # §1.2: 0 = 3 on CPU
        self.load_delay = envconfig.standin_float("OLLAMA_STANDIN_LOAD_DELAY_MS", 0.0) / 1000.0

    def _expire(self):
        now = time.monotonic()
        for key in list(self.loaded):
            entry = self.loaded[key]
            if entry.running == 0 and entry.expires is not None and entry.expires <= now:
                del self.loaded[key]

    def acquire(self, model):
        """A slot for `model`: its loaded runner with a free slot, or a new runner. Like Ollama's scheduler, with
        OLLAMA_MAX_LOADED_MODELS runners loaded a new one waits until one of them is idle and unloads it (least
        recently used first), so never more than that many models are loaded at once."""
        key = sched_key(model)
        waited = False
        with self.cond:
            try:
                self._expire()
                while True:
                    entry = self.loaded.get(key)
                    if entry is not None and entry.running < self.num_parallel:
                        new = False
                        break
                    if entry is None:
                        if len(self.loaded) < self.max_loaded:
                            new = True
                            break
                        idle = sorted((e for e in self.loaded.values() if e.running == 0), key=lambda e: e.last_used)
                        if idle:
                            self.loaded.pop(idle[0].key, None)
                            continue
                    # the model's slots are all busy, or every loaded model is busy: queue
                    if not waited:
                        if self.waiting >= self.max_queue:
                            raise QueueFull(QUEUE_FULL)
                        self.waiting += 1
                        waited = True
                    self.cond.wait()
                    self._expire()
            finally:
                if waited:
                    self.waiting -= 1
            if new:
                entry = Loaded(model)
                self.loaded[key] = entry
            entry.model = model
            entry.running += 1
        if new and self.load_delay:
            time.sleep(self.load_delay)
        return entry

    def release(self, entry, keep_alive_ns):
        with self.cond:
            entry.running -= 1
            entry.last_used = time.monotonic()
            if keep_alive_ns is None:
                keep_alive_ns = envconfig.keep_alive()
            if keep_alive_ns < 0 or keep_alive_ns >= envconfig.MAX_INT64:
                entry.expires = entry.expires_wall = None
            else:
                entry.expires = time.monotonic() + keep_alive_ns / 1e9
                entry.expires_wall = time.time() + keep_alive_ns / 1e9
            if keep_alive_ns == 0 and entry.running == 0:
                self.loaded.pop(entry.key, None)
            self.cond.notify_all()

    def unload(self, name, digest=None):
        """Unloads the entries of `name` (only the one of manifest `digest` when given)."""
        with self.cond:
            for key, entry in list(self.loaded.items()):
                if key[:-1] != name.key() or (digest is not None and key[-1] != digest):
                    continue
                if entry.running == 0:
                    del self.loaded[key]
                else:
                    entry.expires = time.monotonic()
            self.cond.notify_all()

    def running(self):
        with self.cond:
            self._expire()
            return list(self.loaded.values())
