"""`ollama serve`: the HTTP API (ollama-server.md §3-§5) on a ThreadingHTTPServer speaking HTTP/1.1."""
from __future__ import annotations

import base64
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

from . import VERSION, envconfig, generate, log, middleware, names, pull, push, store as store_mod
from .store import GoError


# Content types of JSON answers. gin's c.JSON / c.AbortWithStatusJSON send GIN_JSON; the OpenAI middleware's writers
# (every /v1/* answer a handler produced) and /api/pull errors send PLAIN_JSON (measured on a real 0.32.15, issue 13).
GIN_JSON = "application/json; charset=utf-8"
PLAIN_JSON = "application/json"
# gin's method trees in the order Ollama's GenerateRoutes first registers each method (HEAD "/" comes first): the order
# of the `Allow` header gin adds when a path has routes but none for the request's method (405, OPTIONS included).
METHOD_TREES = ("HEAD", "GET", "POST", "DELETE")


class ApiError(Exception):
    def __init__(self, status, message, ctype=None):
        Exception.__init__(self, message)
        self.status = status
        self.message = message
        self.ctype = ctype  # None: the route's default


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3]) or (0, 0, 0)


def rfc3339_utc():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def local_time(ts):
    return datetime.datetime.fromtimestamp(ts).astimezone().isoformat()


INT_OPTS = {"num_ctx", "num_predict", "top_k", "seed", "num_keep", "repeat_last_n", "num_gpu", "num_thread", "num_batch", "mirostat", "main_gpu"}
FLOAT_OPTS = {"temperature", "top_p", "min_p", "repeat_penalty", "presence_penalty", "frequency_penalty", "tfs_z", "typical_p",
              "mirostat_eta", "mirostat_tau"}
BOOL_OPTS = {"use_mmap", "use_mlock", "numa", "penalize_newline", "low_vram", "f16_kv", "vocab_only"}
LIST_OPTS = {"stop"}


def coerce_param(key, value):
    """api.Options typing for create parameters (ints, floats, bools, stop list)."""
    def one(v):
        if key in INT_OPTS:
            return int(float(v))
        if key in FLOAT_OPTS:
            return float(v)
        if key in BOOL_OPTS:
            return v if isinstance(v, bool) else str(v).lower() in ("1", "t", "true")
        return v
    try:
        if key in LIST_OPTS:
            return [str(x) for x in (value if isinstance(value, list) else [value])]
        if isinstance(value, list):
            return [one(x) for x in value]
        return one(value)
    except (TypeError, ValueError):
        raise ApiError(400, "invalid value for %s: %r" % (key, value))


def go_sharp_v(v):
    """fmt %#v for the values found in parameters."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        r = repr(v)
        return r[:-2] if r.endswith(".0") else r
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)


def format_parameters(params):
    # ollama-server.md §5.6: key padded to 30 characters, value in %#v form, one line per list element.
    lines = []
    for k in sorted(params):
        vals = params[k] if isinstance(params[k], list) else [params[k]]
        for v in vals:
            lines.append("%-30s %s" % (k, go_sharp_v(v)))
    return "\n".join(lines)


def parse_keep_alive(value):
    """api.Duration: number = seconds (negative = forever); string = Go duration; None = server default."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ApiError(400, "json: cannot unmarshal bool into Go value of type api.Duration")
    if isinstance(value, (int, float)):
        return envconfig.MAX_INT64 if value < 0 else int(value * 1e9)
    try:
        ns = envconfig.parse_go_duration(str(value))
    except ValueError as e:
        raise ApiError(400, str(e))
    return envconfig.MAX_INT64 if ns < 0 else ns


class ChunkedWriter:
    def __init__(self, handler):
        self.h = handler

    def write(self, data):
        if not data:
            return
        self.h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.h.wfile.flush()  # §5.1: each line flushed straight away

    def close(self):
        self.h.wfile.write(b"0\r\n\r\n")
        self.h.wfile.flush()


class App:
    def __init__(self, bind_addr, bound_loopback, cors):
        self.version = VERSION
        self.vt = version_tuple(VERSION)
        self.store = store_mod.Store(envconfig.models_dir())
        self.sched = generate.Scheduler()
        self.cors = cors
        self.hostcheck = middleware.HostCheck(bound_loopback)
        self.bind_addr = bind_addr
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.routes = {
            "/": {"GET": self.h_root, "HEAD": self.h_root},
            "/api/version": {"GET": self.h_version, "HEAD": self.h_version},
            "/api/tags": {"GET": self.h_tags, "HEAD": self.h_tags},
            "/api/pull": {"POST": self.h_pull},
            "/api/push": {"POST": self.h_push},
            "/api/create": {"POST": self.h_create},
            "/api/show": {"POST": self.h_show},
            "/api/copy": {"POST": self.h_copy},
            "/api/delete": {"DELETE": self.h_delete},
            "/api/ps": {"GET": self.h_ps},
            "/api/generate": {"POST": self.h_generate},
            "/api/chat": {"POST": self.h_chat},
            "/api/embed": {"POST": self.h_embed},
            "/api/embeddings": {"POST": self.h_embeddings},
            "/v1/chat/completions": {"POST": self.h_oai_chat},
            "/v1/completions": {"POST": self.h_oai_completions},
            "/v1/embeddings": {"POST": self.h_oai_embeddings},
            "/v1/models": {"GET": self.h_oai_models},
        }
        if self.vt >= (0, 16, 2):
            self.routes["/api/status"] = {"GET": self.h_status}  # §5.2: v0.16.2+
        if self.vt >= (0, 30, 0):
            # Account and cloud endpoints (issue #12: 0.30+). The stand-in never talks to ollama.com: a fake
            # signed-in account and recognisable canned answers, so a gateway test can tell whether they got through.
            self.routes["/api/me"] = {"GET": self.h_me, "POST": self.h_me}
            self.routes["/api/signout"] = {"POST": self.h_signout}
            self.routes["/api/experimental/web_search"] = {"POST": self.h_web_search}
            self.routes["/api/experimental/web_fetch"] = {"POST": self.h_web_fetch}
        if envconfig.bool_env("OLLAMA_STANDIN_REDIRECTS"):
            # test-only: GET /standin/redirect?to=<url> answers 302 Location: <url> (gateway Location handling)
            self.routes["/standin/redirect"] = {"GET": self.h_redirect}

    def next_id(self):
        with self.counter_lock:
            self.counter = (self.counter + 1) % 999
            return self.counter

    def route(self, path):
        if path in self.routes:
            return self.routes[path], {}
        m = re.fullmatch(r"/api/blobs/([^/]+)", path)
        if m:
            return {"HEAD": self.h_blob_head, "POST": self.h_blob_post}, {"digest": m.group(1)}
        m = re.fullmatch(r"/v1/models/([^/]+)", path)
        if m:
            return {"GET": self.h_oai_model}, {"model": urllib.parse.unquote(m.group(1))}
        m = re.fullmatch(r"/api/user/keys/([^/]+)", path)
        if m and self.vt >= (0, 30, 0):
            return {"DELETE": self.h_user_key_delete}, {"key": urllib.parse.unquote(m.group(1))}
        return None, {}

    # --- helpers -------------------------------------------------------------------------------------------
    @staticmethod
    def body_json(req, required=True):
        if not req.body:
            if required:
                raise ApiError(400, "missing request body")
            return {}
        try:
            data = json.loads(req.body)
        except ValueError as e:
            raise ApiError(400, str(e))
        if not isinstance(data, dict):
            raise ApiError(400, "json: cannot unmarshal %s into Go value of type api.Request" % type(data).__name__)
        return data

    def model_or_404(self, raw, msg=None):
        n = names.parse_valid(raw)
        m = self.store.load(n) if n is not None else None
        if m is None:
            raise ApiError(404, msg or "model '%s' not found" % raw)
        return m

    def stream_or_wait(self, req, stream, producer):
        """streamResponse / waitForStream (ollama-server.md §5.1)."""
        if stream:
            writer = req.start_stream("application/x-ndjson")
            try:
                producer(lambda obj: writer.write(json.dumps(obj).encode() + b"\n"))
            except (pull.PullError, ApiError, GoError, OSError) as e:
                if isinstance(e, (BrokenPipeError, ConnectionResetError)):
                    raise
                msg = e.message if isinstance(e, ApiError) else str(e)
                writer.write(json.dumps({"error": msg}).encode() + b"\n")  # in-stream error, HTTP stays 200
            writer.close()
            return
        last = [None]

        def keep(obj):
            last[0] = obj
        try:
            producer(keep)
        except ApiError:
            raise
        except (pull.PullError, GoError, OSError) as e:
            raise ApiError(500, str(e))
        req.send_json(200, last[0] or {})

    # --- simple endpoints ----------------------------------------------------------------------------------
    def h_root(self, req, _ignored):
        req.send_raw(200, b"Ollama is running", "text/plain; charset=utf-8")

    def h_version(self, req, _ignored):
        req.send_json(200, {"version": self.version})

    def h_status(self, req, _ignored):
        env = envconfig.bool_env("OLLAMA_NO_CLOUD")
        req.send_json(200, {"cloud": {"disabled": env, "source": "env" if env else "none"}})

    # --- account and cloud (never leaves the machine) ---------------------------------------------------------
    CLOUD_DISABLED = "ollama cloud is disabled"  # wording of the stand-in; ollama-server.md has no text for it
    CLOUD_ROUTES = ("/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/show", "/v1/chat/completions",
                    "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages")

    @staticmethod
    def is_cloud_name(raw):
        """`…:cloud` and `…:<tag>-cloud` route to ollama.com (ollama-server.md, "Cloud suffixes (v0.12+)")."""
        if not isinstance(raw, str):
            return False
        last = raw.rsplit("/", 1)[-1]
        if ":" not in last:
            return False
        tag = last.rsplit(":", 1)[1].lower()
        return tag == "cloud" or tag.endswith("-cloud")

    def cloud_model(self, path, body, params):
        """The cloud model a request names, or None (only on the routes that run models, v0.12+)."""
        if self.vt < (0, 12, 0):
            return None
        if path.startswith("/v1/models/"):
            raw = params.get("model")
        elif path in self.CLOUD_ROUTES and body:
            try:
                data = json.loads(body)
            except ValueError:
                return None
            raw = (data.get("model") or data.get("name")) if isinstance(data, dict) else None
        else:
            return None
        return raw if self.is_cloud_name(raw) else None

    def h_cloud(self, req, path, raw):
        """A cloud model: refused with OLLAMA_NO_CLOUD, otherwise a canned answer "as if proxied" to ollama.com."""
        if envconfig.bool_env("OLLAMA_NO_CLOUD"):
            raise ApiError(403, "%s: %s" % (self.CLOUD_DISABLED, raw))
        log.emit("INFO", "standin: cloud model answered locally (no request to ollama.com)", model=raw, path=path)
        text = "stand-in cloud answer (would be proxied to ollama.com)"
        base = {"model": raw, "remote_model": raw.rsplit(":", 1)[0], "remote_host": "https://ollama.com:443"}
        if path.startswith("/v1/"):
            req.send_json(200, {"id": "standin-cloud", "object": "chat.completion", "created": int(time.time()), "model": raw,
                                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
        elif path == "/api/chat":
            req.send_json(200, dict(base, created_at=rfc3339_utc(), message={"role": "assistant", "content": text}, done=True))
        else:
            req.send_json(200, dict(base, created_at=rfc3339_utc(), response=text, done=True))

    def _cloud_off(self):
        if envconfig.bool_env("OLLAMA_NO_CLOUD"):
            raise ApiError(403, self.CLOUD_DISABLED)

    def h_me(self, req, _ignored):
        self._cloud_off()
        req.send_json(200, {"id": "standin-account", "email": "standin@example.invalid", "name": "standin",
                            "plan": "free", "signed_in": True})

    def h_signout(self, req, _ignored):
        self._cloud_off()
        log.emit("INFO", "standin: signed out (fake account)")
        req.send_json(200, {})

    def h_user_key_delete(self, req, params):
        self._cloud_off()
        log.emit("INFO", "standin: key deleted (fake account)", key=params["key"])
        req.send_json(200, {})

    def h_web_search(self, req, _ignored):
        self._cloud_off()
        body = self.body_json(req)
        req.send_json(200, {"results": [{"title": "stand-in web_search result", "url": "https://example.invalid/",
                                         "content": "stand-in result for %s" % body.get("query", "")}]})

    def h_web_fetch(self, req, _ignored):
        self._cloud_off()
        body = self.body_json(req)
        req.send_json(200, {"title": "stand-in web_fetch", "content": "stand-in page for %s" % body.get("url", ""), "links": []})

    def h_redirect(self, req, _ignored):
        target = urllib.parse.parse_qs(urllib.parse.urlsplit(req.path).query).get("to", ["/"])[0]
        req.send_response(302)
        req.send_header("Location", target)
        req.send_header("Content-Length", "0")
        req.end_headers()

    def h_tags(self, req, _ignored):
        models = []
        for n in self.store.all_manifests():
            try:
                m = store_mod.Model(self.store, n)
            except (OSError, ValueError):
                continue
            short = n.display_shortest()
            models.append((m.mtime, {"name": short, "model": short, "modified_at": local_time(m.mtime), "size": m.size,
                                     "digest": m.digest, "details": m.details()}))
        models.sort(key=lambda x: -x[0])
        req.send_json(200, {"models": [x[1] for x in models]})

    def h_ps(self, req, _ignored):
        out = []
        for e in self.sched.running():
            m = e.model
            exp = e.expires_wall if e.expires_wall is not None else time.time() + 10 * 365 * 86400 * 30
            out.append((exp, {"name": m.name.display_shortest(), "model": m.name.display_shortest(), "size": m.size,
                              "digest": m.digest, "details": m.details(), "expires_at": local_time(min(exp, 253402300799)),
                              "size_vram": 0, "context_length": envconfig.context_length() or 4096}))
        out.sort(key=lambda x: -x[0])
        req.send_json(200, {"models": [x[1] for x in out]})

    # --- model management ----------------------------------------------------------------------------------
    def h_pull(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or body.get("name") or ""
        n = names.parse_valid(raw)
        if n is None:
            raise ApiError(400, "invalid model name")  # §5.3 validation before streaming
        insecure = bool(body.get("insecure"))

        def produce(emit):
            if n.host.lower() == names.DEFAULT_HOST and not envconfig.bool_env("OLLAMA_STANDIN_ALLOW_DEFAULT_REGISTRY"):
                # The stand-in never contacts (or silently redirects) upstream's registry.
                emit({"status": "pulling manifest"})
                raise pull.PullError('pull model manifest: Get "https://%s/v2/%s/%s/manifests/%s": dial tcp: lookup %s: no such host'
                                     % (n.host, n.namespace, n.model, n.tag, n.host))
            pull.pull_model(self.store, n, insecure, emit)
        self.stream_or_wait(req, body.get("stream", True) is not False, produce)

    def h_push(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or body.get("name") or ""
        if not raw:
            raise ApiError(400, "model is required")
        insecure = bool(body.get("insecure"))

        def produce(emit):
            # PushHandler: getExistingName, then PushModel; every failure is reported in the stream (§5.1)
            n = names.parse_valid(raw)
            if n is None:
                emit({"status": "retrieving manifest"})
                emit({"status": "couldn't retrieve manifest"})
                raise pull.PullError("invalid model name")
            push.push_model(self.store, n, insecure, emit)
        self.stream_or_wait(req, body.get("stream", True) is not False, produce)

    def h_show(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or body.get("name") or ""
        if not raw:
            raise ApiError(400, "model is required")
        n = names.parse_valid(raw)
        if n is None:
            raise ApiError(400, "invalid model name")
        m = self.store.load(n)
        if m is None:
            raise ApiError(404, "model '%s' not found" % n.display_shortest())  # normalised: 'nope:latest' (0.32.15)
        kv = dict(m.kv)
        if not body.get("verbose"):
            kv = {k: ([] if isinstance(v, list) and len(v) > 5 else v) for k, v in kv.items()}
        resp = {
            "license": "\n".join(m.license),
            "modelfile": self.modelfile(m),
            "parameters": format_parameters(m.params),
            "template": m.template,
            "system": m.system,
            "details": m.details(),
            "model_info": kv,
            "tensors": [],
            "capabilities": m.capabilities(),
            "modified_at": local_time(m.mtime),
        }
        if m.messages:
            resp["messages"] = m.messages
        req.send_json(200, {k: v for k, v in resp.items() if v not in ("", None)})

    def modelfile(self, m):
        short = m.name.display_shortest()
        out = ['# Modelfile generated by "ollama show"', "# To build a new Modelfile based on this, replace FROM with:", "# FROM %s" % short, ""]
        if m.model_layer:
            out.append("FROM %s" % self.store.blob_path(m.model_layer["digest"]))
        else:
            out.append("FROM %s" % short)
        if m.template:
            out.append('TEMPLATE """%s"""' % m.template)
        if m.system:
            out.append('SYSTEM """%s"""' % m.system)
        for k in sorted(m.params):
            vals = m.params[k] if isinstance(m.params[k], list) else [m.params[k]]
            for v in vals:
                out.append("PARAMETER %s %s" % (k, go_sharp_v(v) if isinstance(v, str) and " " in v else (v if not isinstance(v, bool) else str(v).lower())))
        for msg in m.messages:
            out.append('MESSAGE %s """%s"""' % (msg.get("role", ""), msg.get("content", "")))
        for lic in m.license:
            out.append('LICENSE """%s"""' % lic)
        return "\n".join(out) + "\n"

    def h_delete(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or body.get("name") or ""
        if not raw:
            raise ApiError(400, "model is required")
        n = names.parse_valid(raw)
        if n is None:
            raise ApiError(400, 'name "%s" is invalid' % raw)
        found = self.store.find(n)
        if found is None:
            raise ApiError(404, "model '%s' not found" % raw)  # §5.2: single quotes
        self.sched.unload(found)
        self.store.delete(found, prune=not envconfig.bool_env("OLLAMA_NOPRUNE"))
        req.send_raw(200, b"", None)  # 200, empty body

    def h_copy(self, req, _ignored):
        body = self.body_json(req)
        src_raw, dst_raw = body.get("source") or "", body.get("destination") or ""
        src = names.parse_valid(src_raw)
        if src is None:
            raise ApiError(400, 'source "%s" is invalid' % src_raw)
        dst = names.parse_valid(dst_raw)
        if dst is None:
            raise ApiError(400, 'destination "%s" is invalid' % dst_raw)
        found = self.store.find(src)
        if found is None:
            raise ApiError(404, 'model "%s" not found' % src_raw)
        existing = self.store.find(dst)
        self.store.write_manifest(existing or dst, self.store.read_manifest(found))
        req.send_raw(200, b"", None)

    def h_create(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or body.get("name") or ""
        n = names.parse_valid(raw)
        if n is None:
            raise ApiError(400, "invalid model name")
        if not body.get("from") and not body.get("files"):
            raise ApiError(400, "neither 'from' or 'files' was specified")  # §5.5: old `modelfile` field is dropped
        params = body.get("parameters") or {}
        if not isinstance(params, dict):
            raise ApiError(400, "json: cannot unmarshal parameters")
        params = {k: coerce_param(k, v) for k, v in params.items()}
        lic = body.get("license")
        licenses = [lic] if isinstance(lic, str) else list(lic or [])
        files = body.get("files") or {}
        for fn, dg in files.items():
            if os.path.isabs(fn):
                raise ApiError(400, "file path must be relative")
            if not re.fullmatch(r"sha256[:-][0-9a-fA-F]{64}", str(dg)):
                raise ApiError(400, "invalid digest format")
        base = None
        if body.get("from"):
            bn = names.parse_valid(body["from"])
            if bn is None:
                raise ApiError(400, "invalid model name")
            base = self.store.load(bn)

        def produce(emit):
            layers, config = self._create_base(body, base, files, emit)
            replace = []
            extra = []

            def add(media_type, data):
                digest = "sha256:" + hashlib.sha256(data).hexdigest()
                verb = "using existing layer" if self.store.has_blob(digest, len(data)) else "creating new layer"
                self.store.write_blob(data)
                emit({"status": "%s %s" % (verb, digest)})
                replace.append(media_type)
                extra.append(store_mod.descriptor(media_type, data))
            if body.get("template"):
                add(store_mod.MT_TEMPLATE, body["template"].encode())
            if body.get("system"):
                add(store_mod.MT_SYSTEM, body["system"].encode())
            if params:
                merged = {}
                if base is not None:
                    merged.update(base.params)
                merged.update(params)
                add(store_mod.MT_PARAMS, json.dumps(merged, separators=(",", ":"), sort_keys=True).encode())
            if body.get("messages"):
                add(store_mod.MT_MESSAGES, json.dumps(body["messages"], separators=(",", ":")).encode())
            if licenses:
                replace.append(store_mod.MT_LICENSE)
                for text in licenses:
                    data = str(text).encode()
                    digest = "sha256:" + hashlib.sha256(data).hexdigest()
                    verb = "using existing layer" if self.store.has_blob(digest, len(data)) else "creating new layer"
                    self.store.write_blob(data)
                    emit({"status": "%s %s" % (verb, digest)})
                    extra.append(store_mod.descriptor(store_mod.MT_LICENSE, data))
            final = [x for x in layers if x["mediaType"] not in replace] + [x for x in extra if x["mediaType"] != store_mod.MT_LICENSE]
            final += [x for x in extra if x["mediaType"] == store_mod.MT_LICENSE]
            cfg_data = json.dumps(config, separators=(",", ":")).encode()
            cfg_digest = self.store.write_blob(cfg_data)
            emit({"status": "writing manifest"})
            existing = self.store.find(n)
            old = set()
            if existing is not None:
                old = self.store.used_digests()
            self.store.write_manifest(existing or n, store_mod.manifest_bytes(
                {"mediaType": store_mod.MT_CONFIG, "digest": cfg_digest, "size": len(cfg_data)}, final))
            if old and not envconfig.bool_env("OLLAMA_NOPRUNE"):
                self.store.prune()
            emit({"status": "success"})
        self.stream_or_wait(req, body.get("stream", True) is not False, produce)

    def _create_base(self, body, base, files, emit):
        if base is not None:
            for layer in base.layers:
                emit({"status": "using existing layer %s" % layer["digest"]})
            return list(base.layers), dict(base.config)
        if body.get("from") and not files:
            bn = names.parse_valid(body["from"])
            # §5.5: a missing `from` model is pulled first (plain https, like upstream's create).
            if bn.host.lower() == names.DEFAULT_HOST and not envconfig.bool_env("OLLAMA_STANDIN_ALLOW_DEFAULT_REGISTRY"):
                emit({"status": "pulling manifest"})
                raise pull.PullError("pull model manifest: file does not exist")
            pull.pull_model(self.store, bn, False, emit)
            m = self.store.load(bn)
            return list(m.layers), dict(m.config)
        emit({"status": "parsing GGUF"})
        layers = []
        config = {"model_format": "gguf", "model_family": "", "model_families": None, "model_type": "", "file_type": "",
                  "architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
        for fn in sorted(files):
            digest = files[fn].replace("-", ":", 1)
            if not self.store.has_blob(digest):
                raise ApiError(400, "no files provided to convert")
            head = self.store.read_blob(digest, 65536)
            kv = store_mod.gguf.decode(head)
            if not kv:
                raise ApiError(400, "supplied file was not in GGUF format")
            arch = kv.get("general.architecture", "")
            config.update({"model_family": arch, "model_families": [arch] if arch else None,
                           "model_type": store_mod.human_params(int(kv.get("general.parameter_count", 0))),
                           "file_type": str(kv.get("general.file_type_name", ""))})
            size = os.path.getsize(self.store.blob_path(digest))
            layers.append({"mediaType": store_mod.MT_MODEL, "digest": digest, "size": size})
            emit({"status": "using existing layer %s" % digest})
        return layers, config

    def h_blob_head(self, req, params):
        d = params["digest"]
        if not re.fullmatch(r"sha256[:-][0-9a-fA-F]{64}", d):
            raise ApiError(400, "invalid digest format")  # manifest.BlobsPath fails before the lookup (0.32.15)
        if not self.store.has_blob(d.replace("-", ":", 1)):
            raise ApiError(404, 'blob "%s" not found' % d)
        req.send_raw(200, b"", None)

    def h_blob_post(self, req, params):
        d = params["digest"]
        if not re.fullmatch(r"sha256[:-][0-9a-fA-F]{64}", d):
            raise ApiError(400, "invalid digest format")
        digest = "sha256:" + d[7:].lower()
        if self.store.has_blob(digest):
            req.send_raw(200, b"", None)
            return
        got = "sha256:" + hashlib.sha256(req.body).hexdigest()
        if got != digest:
            raise ApiError(400, 'digest mismatch, expected "%s", got "%s"' % (digest, got))
        self.store.write_blob(req.body)
        req.send_raw(201, b"", None)

    # --- inference ---------------------------------------------------------------------------------------
    def _validate_inference_name(self, raw, empty_status, empty_msg):
        if raw == "":
            raise ApiError(empty_status, empty_msg)
        n = names.parse_valid(raw)
        if n is None:
            if self.vt >= (0, 17, 6):
                raise ApiError(400, "invalid model name")
            raise ApiError(404, "model '%s' not found" % raw)
        return n

    def h_generate(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or ""
        n = self._validate_inference_name(raw, 404, "model '' not found")
        m = self.store.load(n)
        if m is None:
            raise ApiError(404, "model '%s' not found" % raw)
        tl = body.get("top_logprobs") or 0
        if not 0 <= int(tl) <= 20:
            raise ApiError(400, "top_logprobs must be between 0 and 20")
        if body.get("raw") and (body.get("template") or body.get("system") or body.get("context")):
            raise ApiError(400, "raw mode does not support template, system, or context")
        ka = parse_keep_alive(body.get("keep_alive"))
        if "completion" not in m.capabilities():
            raise ApiError(400, '"%s" does not support generate' % raw)
        prompt = body.get("prompt") or ""
        if not prompt and not body.get("images"):
            return self._load_only(req, m, raw, ka, chat=False)
        self._run(req, m, raw, prompt, ka, body, chat=False)

    def h_chat(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or ""
        n = self._validate_inference_name(raw, 400, "model is required")
        m = self.store.load(n)
        if m is None:
            raise ApiError(404, "model '%s' not found" % raw)
        ka = parse_keep_alive(body.get("keep_alive"))
        if "completion" not in m.capabilities():
            raise ApiError(400, '"%s" does not support chat' % raw)
        msgs = body.get("messages") or []
        if not msgs:
            return self._load_only(req, m, raw, ka, chat=True)
        prompt = "\n".join("%s: %s" % (x.get("role", ""), x.get("content", "")) for x in msgs if isinstance(x, dict))
        self._run(req, m, raw, prompt, ka, body, chat=True)

    def _acquire(self, m):
        try:
            return self.sched.acquire(m)
        except generate.QueueFull as e:
            raise ApiError(503, str(e))

    def _load_only(self, req, m, raw, ka, chat):
        # §5.7: empty request loads; keep_alive 0 unloads (done_reason "unload").
        if ka == 0:
            self.sched.unload(m.name, m.digest)
            reason = "unload"
        else:
            entry = self._acquire(m)
            self.sched.release(entry, ka)
            reason = "load"
        resp = {"model": raw, "created_at": rfc3339_utc()}
        if chat:
            resp["message"] = {"role": "assistant", "content": ""}
        else:
            resp["response"] = ""
        resp.update({"done": True, "done_reason": reason})
        req.send_json(200, resp)

    def _tokens(self, m, prompt, opts):
        num_predict = opts.get("num_predict") if isinstance(opts, dict) else None
        return generate.tokens(m.name.display_shortest(), prompt, int(num_predict) if num_predict is not None else -1)

    def _run(self, req, m, raw, prompt, ka, body, chat):
        stream = body.get("stream", True) is not False
        t0 = time.monotonic()
        entry = self._acquire(m)
        load_ns = int((time.monotonic() - t0) * 1e9) or 1
        try:
            toks, reason = self._tokens(m, prompt, body.get("options") or {})
            delay = generate.token_delay()
            writer = req.start_stream("application/x-ndjson") if stream else None
            t1 = time.monotonic()
            for tok in toks:
                if delay:
                    time.sleep(delay)
                if writer:
                    chunk = {"model": raw, "created_at": rfc3339_utc()}
                    if chat:
                        chunk["message"] = {"role": "assistant", "content": tok}
                    else:
                        chunk["response"] = tok
                    chunk["done"] = False
                    writer.write(json.dumps(chunk).encode() + b"\n")
            eval_ns = int((time.monotonic() - t1) * 1e9) or 1
            final = {"model": raw, "created_at": rfc3339_utc()}
            text = "" if stream else "".join(toks)
            if chat:
                final["message"] = {"role": "assistant", "content": text}
            else:
                final["response"] = text
            final.update({"done": True, "done_reason": reason})
            if not chat and not body.get("raw"):
                final["context"] = [int.from_bytes(hashlib.sha256(t.encode()).digest()[:2], "little") for t in toks]
            final.update({"total_duration": int((time.monotonic() - t0) * 1e9), "load_duration": load_ns,
                          "prompt_eval_count": generate.count_tokens(prompt), "prompt_eval_duration": 1000 * generate.count_tokens(prompt),
                          "eval_count": len(toks), "eval_duration": eval_ns})
            if writer:
                writer.write(json.dumps(final).encode() + b"\n")
                writer.close()
            else:
                req.send_json(200, final)
        finally:
            self.sched.release(entry, ka)

    def _embed_vectors(self, m, inputs, dims=None):
        d = m.embedding_length()
        if dims:
            d = min(int(dims), d)
        return [generate.embedding(m.name.display_shortest(), t, d) for t in inputs]

    def h_embed(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or ""
        if raw == "":
            raise ApiError(404, "model '' not found")
        n = names.parse_valid(raw)
        if n is None:
            raise ApiError(400, "invalid model name")
        m = self.store.load(n)
        if m is None:
            raise ApiError(404, 'model "%s" not found, try pulling it first' % raw)
        inp = body.get("input")
        if inp is None:
            inputs = []
        elif isinstance(inp, str):
            inputs = [inp] if inp else []
        elif isinstance(inp, list) and all(isinstance(x, str) for x in inp):
            inputs = inp
        else:
            raise ApiError(400, "invalid input type")
        ka = parse_keep_alive(body.get("keep_alive"))
        t0 = time.monotonic()
        entry = self._acquire(m)
        try:
            vecs = self._embed_vectors(m, inputs, body.get("dimensions"))
        finally:
            self.sched.release(entry, ka)
        if not inputs:
            req.send_json(200, {"model": raw, "embeddings": []})
            return
        dur = int((time.monotonic() - t0) * 1e9) or 1
        req.send_json(200, {"model": raw, "embeddings": vecs, "total_duration": dur, "load_duration": dur // 2,
                            "prompt_eval_count": sum(generate.count_tokens(t) for t in inputs)})

    def h_embeddings(self, req, _ignored):
        body = self.body_json(req)
        raw = body.get("model") or ""
        if raw == "":
            raise ApiError(400, "model is required")
        n = names.parse_valid(raw)
        m = self.store.load(n) if n else None
        if m is None:
            raise ApiError(404, 'model "%s" not found, try pulling it first' % raw)
        ka = parse_keep_alive(body.get("keep_alive"))
        entry = self._acquire(m)
        try:
            prompt = body.get("prompt") or ""
            vec = self._embed_vectors(m, [prompt])[0] if prompt else []
        finally:
            self.sched.release(entry, ka)
        req.send_json(200, {"embedding": vec})

    # --- OpenAI compatibility (ollama-server.md §5.8) --------------------------------------------------------
    def h_oai_models(self, req, _ignored):
        data = []
        for n in self.store.all_manifests():
            try:
                mt = os.stat(self.store.manifest_path(n)).st_mtime
            except OSError:
                continue
            data.append((mt, {"id": n.display_shortest(), "object": "model", "created": int(mt), "owned_by": n.namespace}))
        data.sort(key=lambda x: -x[0])
        req.send_json(200, {"object": "list", "data": [x[1] for x in data] or None})  # nil slice -> null

    def h_oai_model(self, req, params):
        raw = params["model"]
        n = names.parse_valid(raw)
        m = self.store.load(n) if n is not None else None
        if m is None:
            # RetrieveMiddleware -> ShowHandler: the normalised name, as on /api/show (0.32.15)
            raise ApiError(404, "model '%s' not found" % (n.display_shortest() if n is not None else raw))
        req.send_json(200, {"id": raw, "object": "model", "created": int(m.mtime), "owned_by": m.name.namespace})

    def _oai_model(self, body, missing="model '%s' not found"):
        raw = body.get("model") or ""
        n = names.parse_valid(raw)
        m = self.store.load(n) if n else None
        if m is None:
            raise ApiError(404, missing % raw)
        return raw, m

    def oai_body(self, req):
        """The OpenAI middleware binds the body itself: its refusals are gin's c.AbortWithStatusJSON (charset kept)."""
        try:
            return self.body_json(req)
        except ApiError as e:
            e.ctype = GIN_JSON
            raise

    def h_oai_chat(self, req, _ignored):
        body = self.oai_body(req)
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs:
            raise ApiError(400, "[] is too short - 'messages'", GIN_JSON)
        raw, m = self._oai_model(body)
        prompt = "\n".join("%s: %s" % (x.get("role", ""), x.get("content", "")) for x in msgs if isinstance(x, dict))
        self._oai_run(req, body, raw, m, prompt, chat=True)

    def h_oai_completions(self, req, _ignored):
        body = self.oai_body(req)
        raw, m = self._oai_model(body)
        prompt = body.get("prompt") or ""
        if isinstance(prompt, list):
            prompt = "".join(str(x) for x in prompt)
        self._oai_run(req, body, raw, m, prompt, chat=False)

    def _oai_run(self, req, body, raw, m, prompt, chat):
        stream = bool(body.get("stream", False))  # §5.1: /v1 defaults to false
        opts = {}
        if body.get("max_tokens") is not None:
            opts["num_predict"] = body["max_tokens"]
        elif body.get("max_completion_tokens") is not None:
            opts["num_predict"] = body["max_completion_tokens"]
        entry = self._acquire(m)
        try:
            toks, reason = self._tokens(m, prompt, opts)
            delay = generate.token_delay()
            rid = ("chatcmpl-%d" if chat else "cmpl-%d") % self.next_id()
            created = int(time.time())
            obj = "chat.completion.chunk" if chat else "text_completion"
            usage = {"prompt_tokens": generate.count_tokens(prompt), "completion_tokens": len(toks),
                     "total_tokens": generate.count_tokens(prompt) + len(toks)}
            if not stream:
                for _ignored in toks:
                    if delay:
                        time.sleep(delay)
                text = "".join(toks)
                if chat:
                    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": reason}
                    req.send_json(200, {"id": rid, "object": "chat.completion", "created": created, "model": raw,
                                        "system_fingerprint": "fp_ollama", "choices": [choice], "usage": usage})
                else:
                    req.send_json(200, {"id": rid, "object": "text_completion", "created": created, "model": raw,
                                        "system_fingerprint": "fp_ollama",
                                        "choices": [{"text": text, "index": 0, "finish_reason": reason}], "usage": usage})
                return
            w = req.start_stream("text/event-stream")
            new_shape = self.vt >= (0, 32, 6)

            def send(choices, extra=None):
                chunk = {"id": rid, "object": obj, "created": created, "model": raw, "system_fingerprint": "fp_ollama", "choices": choices}
                if extra:
                    chunk.update(extra)
                w.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            for i, tok in enumerate(toks):
                if delay:
                    time.sleep(delay)
                last = i == len(toks) - 1
                if chat:
                    if new_shape:
                        delta = {"role": "assistant", "content": tok} if i == 0 else {"content": tok}
                        send([{"index": 0, "delta": delta, "finish_reason": None}])
                    else:
                        send([{"index": 0, "delta": {"role": "assistant", "content": tok}, "finish_reason": reason if last else None}])
                else:
                    send([{"text": tok, "index": 0, "finish_reason": reason if (last and not new_shape) else None}])
            if new_shape or not toks:
                if chat:
                    send([{"index": 0, "delta": {}, "finish_reason": reason}])  # v0.32.6+: separate final chunk
                else:
                    send([{"text": "", "index": 0, "finish_reason": reason}])
            if (body.get("stream_options") or {}).get("include_usage"):
                send([], {"usage": usage})
            w.write(b"data: [DONE]\n\n")
            w.close()
        finally:
            self.sched.release(entry, None)

    def h_oai_embeddings(self, req, _ignored):
        body = self.oai_body(req)
        fmt = body.get("encoding_format") or "float"
        if fmt not in ("float", "base64"):
            raise ApiError(400, "Invalid value for 'encoding_format' = %s. Supported values: ['float', 'base64']." % fmt, GIN_JSON)
        inp = body.get("input")
        if isinstance(inp, str):
            inputs = [inp]
        elif isinstance(inp, list) and inp and all(isinstance(x, str) for x in inp):
            inputs = inp
        else:
            raise ApiError(400, "invalid input", GIN_JSON)
        # the embed handler's handleScheduleError text, wrapped by the middleware (0.32.15)
        raw, m = self._oai_model(body, 'model "%s" not found, try pulling it first')
        entry = self._acquire(m)
        try:
            vecs = self._embed_vectors(m, inputs, body.get("dimensions"))
        finally:
            self.sched.release(entry, None)
        data = []
        for i, v in enumerate(vecs):
            emb = base64.b64encode(struct.pack("<%df" % len(v), *v)).decode() if fmt == "base64" else v
            data.append({"object": "embedding", "embedding": emb, "index": i})
        toks = sum(generate.count_tokens(t) for t in inputs)
        req.send_json(200, {"object": "list", "data": data, "model": raw, "usage": {"prompt_tokens": toks, "total_tokens": toks}})


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ollama-standin"
    app = None  # set by serve()
    route_path = ""

    def log_message(self, format, *args):  # noqa: A002 - silence BaseHTTPRequestHandler's own log
        pass

    def send_response(self, code, message=None):
        self.status = code
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def _headers(self, status, ctype, length=None, chunked=False):
        self.send_response(status)
        for k, v in self.cors_headers:
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length or 0))
        self.end_headers()

    def send_raw(self, status, data, ctype):
        self._headers(status, ctype, len(data))
        if self.command != "HEAD" and data:
            self.wfile.write(data)
        self.wfile.flush()

    def send_json(self, status, obj, ctype=None):
        if ctype is None:
            ctype = PLAIN_JSON if self.route_path.startswith("/v1/") else GIN_JSON
        self.send_raw(status, json.dumps(obj, ensure_ascii=False).encode(), ctype)

    def start_stream(self, ctype):
        self._headers(200, ctype, chunked=True)
        self.started = True
        return ChunkedWriter(self)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _dispatch(self):
        app = self.app
        t0 = time.monotonic()
        self.status = 0
        self.started = False
        self.cors_headers = []
        path = urllib.parse.urlsplit(self.path).path
        self.route_path = path
        try:
            self.body = self._read_body()
            methods, params = app.route(path)
            allow = []
            if methods is not None and self.command not in methods and app.vt >= (0, 6, 9):
                # gin (HandleMethodNotAllowed) sets Allow before the middleware runs, so the CORS and Host-check
                # answers (204 preflight, 403) carry it too: `Allow: HEAD, GET` on /api/tags (0.32.15).
                allow = [("Allow", ", ".join(m for m in METHOD_TREES if m in methods))]
            # Middleware order (§3): CORS first, then the Host allow-list, engine-wide (404/405 included).
            abort, cors_headers = app.cors.apply(self.command, self.headers.get("Origin", ""), self.headers.get("Host", ""))
            self.cors_headers = allow + cors_headers
            if abort is not None:
                self.send_raw(abort, b"", None)
                return
            hc = app.hostcheck.check(self.command, self.headers.get("Host", ""))
            if hc is not None:
                self.send_raw(hc, b"", None)
                return
            if methods is None:
                self.send_raw(404, b"404 page not found", "text/plain")  # §5.1
                return
            fn = methods.get(self.command)
            if fn is None:
                if app.vt >= (0, 6, 9):
                    self.send_raw(405, b"405 method not allowed", "text/plain")
                else:
                    self.send_raw(404, b"404 page not found", "text/plain")
                return
            try:
                cloud = app.cloud_model(path, self.body, params)
                if cloud is not None:
                    app.h_cloud(self, path, cloud)
                else:
                    fn(self, params)
            except ApiError as e:
                if self.started:
                    raise
                if path.startswith("/v1/"):
                    typ = {400: "invalid_request_error", 404: "not_found_error"}.get(e.status, "api_error")
                    self.send_json(e.status, {"error": {"message": e.message, "type": typ, "param": None, "code": None}}, e.ctype)
                else:
                    # /api/pull errors (400 before streaming, 500 with stream:false) are plain application/json (0.32.15)
                    self.send_json(e.status, {"error": e.message}, e.ctype or (PLAIN_JSON if path == "/api/pull" else None))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # gin Recovery -> 500
            if not self.started and not self.status:
                try:
                    self.send_json(500, {"error": str(e)})
                except OSError:
                    pass
            self.close_connection = True
            log.emit("ERROR", "handler failed", error=repr(e))
        finally:
            log.gin(self.status or 500, time.monotonic() - t0, self.client_address[0], self.command, path)

    do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = _dispatch


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    dual_stack = False

    def server_bind(self):
        if self.dual_stack:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        socketserver.TCPServer.server_bind(self)


def _server_class(family, dual=False):
    return type("StandinServer", (ThreadingServer,), {"address_family": family, "dual_stack": dual})


def _listen(hu):
    """net.Listen("tcp", host:port); returns (server, display address, bound_loopback)."""
    host, port = hu.hostname, int(hu.port)
    if host in ("", "0.0.0.0", "::"):
        # §1.3: Go opens a dual-stack socket for 0.0.0.0 and logs [::]:port
        if socket.has_ipv6:
            try:
                srv = _server_class(socket.AF_INET6, True)(("::", port), Handler)
                return srv, "[::]:%d" % srv.server_address[1], False
            except OSError as e:
                if e.errno == 98:
                    raise GoError("listen tcp %s: bind: %s" % (hu.host, store_mod.go_strerror(e)))
        host = "0.0.0.0"
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        infos.sort(key=lambda i: i[0] != socket.AF_INET)  # Go listens on the first IPv4 address of a name
        family, addr = infos[0][0], infos[0][4]
    except socket.gaierror:
        raise GoError("listen tcp %s: lookup %s: no such host" % (hu.host, host))
    try:
        srv = _server_class(family)(addr[:2], Handler)
    except OSError as e:
        raise GoError("listen tcp %s: bind: %s" % (hu.host, store_mod.go_strerror(e)))
    ip = ipaddress.ip_address(addr[0])
    shown = ("[%s]:%d" % (addr[0], srv.server_address[1])) if family == socket.AF_INET6 else "%s:%d" % (addr[0], srv.server_address[1])
    return srv, shown, ip.is_loopback


def _init_keypair():
    """initializeKeypair (ollama-server.md §2)."""
    home = envconfig.user_home_dir()
    key = os.path.join(home, ".ollama", "id_ed25519")
    if os.path.exists(key):
        return
    sys.stdout.write("Couldn't find '%s'. Generating new private key.\n" % key)
    try:
        store_mod.go_mkdirall(os.path.dirname(key))
    except GoError as e:
        raise GoError("could not create directory %s" % e)
    raw = os.urandom(32)
    old = os.umask(0o077)
    try:
        with open(key, "w") as f:
            f.write("-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n" % base64.b64encode(b"standin" + raw).decode())
    finally:
        os.umask(old)
    os.chmod(key, 0o600)
    pub_blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + hashlib.sha256(raw).digest()
    pub = "ssh-ed25519 " + base64.b64encode(pub_blob).decode()
    with open(key + ".pub", "w") as f:
        f.write(pub + "\n")
    sys.stdout.write("Your new public key is: \n\n%s\n\n" % pub)
    sys.stdout.flush()


def go_panic(msg, frames):
    trace = ["panic: %s" % msg, "", "goroutine 1 [running]:"]
    for fn, loc in frames:
        trace += [fn, "\t" + loc]
    sys.stderr.write("\n".join(trace) + "\n")
    sys.stderr.flush()
    os._exit(2)


def serve():
    """RunServer + Serve; returns the exit code (errors are printed as `Error: ...`)."""
    _init_keypair()
    hu = envconfig.host()
    srv, shown, loopback = _listen(hu)
    env = envconfig.values()
    log.emit("INFO", "server config", source="routes.go:1631", env=envconfig.format_map(env))
    st = store_mod.Store(envconfig.models_dir())
    try:
        st.ensure()
    except GoError:
        srv.server_close()
        raise
    if not envconfig.bool_env("OLLAMA_NOPRUNE"):
        log.emit("INFO", "total blobs: %d" % len(os.listdir(st.blobs)), source="images.go:522")
        log.emit("INFO", "total unused blobs removed: %d" % st.prune(), source="images.go:529")
    try:
        cors = middleware.Cors(envconfig.allowed_origins())
    except middleware.CorsPanic as e:
        go_panic(str(e), [("github.com/gin-contrib/cors.newCors(...)", "github.com/gin-contrib/cors@v1.7.2/config.go:42"),
                          ("github.com/ollama/ollama/server.(*Server).GenerateRoutes(...)", "github.com/ollama/ollama/server/routes.go:1868"),
                          ("github.com/ollama/ollama/server.Serve({...})", "github.com/ollama/ollama/server/routes.go:1990"),
                          ("main.main()", "github.com/ollama/ollama/main.go:12")])
    Handler.app = App(shown, loopback, cors)
    log.emit("INFO", "Listening on %s (version %s)" % (shown, VERSION), source="routes.go:1684")
    log.emit("INFO", "inference compute", source="types.go:60", id="cpu", library="cpu", compute="", name="cpu",
             description="cpu", libdirs="ollama", driver="", pci_id="", type="", total="15.6 GiB", available="14.2 GiB")
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    srv.server_close()
    return 0
