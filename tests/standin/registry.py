"""Stand-in model registry (registry v2 shape Ollama pulls from, ollama-server.md §5.3/§5.4), stdlib only.

Serves fixture models with stable digests (all bytes generated deterministically at start):
  library/tinyllama:latest    llama, 1.1B, Q4_0 (small GGUF-shaped blob)
  library/nomic-embed:latest  nomic-bert, 137M, F16, embedding capability
  library/bigmodel:latest     llama, 7B, Q4_K_M, size from --big-size-mb
  acme/tinycoder:1b           qwen2, 494M, Q8_0 (a non-library namespace)
POST /standin/bump/<ns>/<model>/<tag> publishes a new digest for an existing tag (the model layer changes).

Like a CNCF distribution registry (2.8) with its `redirect` storage middleware, and like registry.ollama.ai with its
CDN, a blob GET/HEAD is answered with 307 to the blob's URL on ANOTHER host name, which serves the bytes (with byte
ranges). Real Ollama needs that redirect: it fails with `http: no Location header in response` on a 200
(ollama-server.md "Checked against a real Ollama 0.32.15"). A manifest request whose Accept header does not name the
Docker v2 manifest type gets distribution's 400 MANIFEST_INVALID. See README.md "Blob host".

GET /standin/stats counts the blob bytes actually sent, for the mirror benchmark (bench/mirror_bench.py);
--link-bps limits all blob bytes together (a shared link), --throttle-bps each request.
Two other modes (README.md "Registry tools"): --files ROOT serves ROOT as a plain static file server with byte ranges
(the blob host behind a distribution registry's redirect middleware); --write-bundle DIR NS/MODEL[:TAG] writes a
fixture as a model bundle (upstream's OLLAMA_MODELS layout) without any network and exits.
"""
from __future__ import annotations

import argparse
import hashlib
import http.server
import ipaddress
import json
import os
import re
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ollama_standin import gguf  # noqa: E402
from ollama_standin.store import (MT_CONFIG, MT_LICENSE, MT_MANIFEST, MT_MODEL, MT_PARAMS, MT_TEMPLATE,  # noqa: E402
                                  descriptor, manifest_bytes)

BLOCK = 1 << 20
DEFAULT_BUNDLE_HOST = "registry.ollama.ai"
# Where distribution's storage driver keeps a blob; its redirect middleware sends clients to <baseurl> + this path.
BLOB_PATH = "/docker/registry/v2/blobs/sha256/%s/%s/data"
BLOB_PATH_RE = re.compile(r"/docker/registry/v2/blobs/sha256/([0-9a-f]{2})/([0-9a-f]{64})/data")

FIXTURES = {
    ("library", "tinyllama", "latest"): {
        "arch": "llama", "params": 1100048384, "ptype": "1.1B", "ftype": "Q4_0", "ctx": 2048, "embd": 2048, "size_kb": 1536,
        "template": "<|system|>\n{{ .System }}</s>\n<|user|>\n{{ .Prompt }}</s>\n<|assistant|>\n",
        "parameters": {"stop": ["<|system|>", "<|user|>", "<|assistant|>", "</s>"]},
        "license": "Apache License 2.0 (stand-in fixture, no real weights)",
    },
    ("library", "nomic-embed", "latest"): {
        "arch": "nomic-bert", "params": 136727040, "ptype": "137M", "ftype": "F16", "ctx": 2048, "embd": 768, "size_kb": 512,
        "pooling": 1, "parameters": {"num_ctx": 8192}, "license": "Apache License 2.0 (stand-in fixture)",
    },
    ("library", "bigmodel", "latest"): {
        "arch": "llama", "params": 6738415616, "ptype": "6.7B", "ftype": "Q4_K_M", "ctx": 4096, "embd": 4096, "size_kb": None,
        "template": "[INST] {{ .Prompt }} [/INST]", "parameters": {"stop": ["[INST]", "[/INST]"]},
    },
    ("acme", "tinycoder", "1b"): {
        "arch": "qwen2", "params": 494032768, "ptype": "494.03M", "ftype": "Q8_0", "ctx": 32768, "embd": 896, "size_kb": 768,
        "template": "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n"
                    "<|im_start|>assistant\n{{ if .Suffix }}{{ .Suffix }}{{ end }}",
        "parameters": {"stop": ["<|im_start|>", "<|im_end|>"], "temperature": 0.2},
    },
}


class Link:
    """--link-bps: one rate for all blob bytes together (a site's shared internet link), unlike --throttle-bps, which
    limits each request. Each piece reserves its transmission time on the link in turn."""

    def __init__(self, bps):
        self.bps = float(bps)
        self.lock = threading.Lock()
        self.free_at = 0.0

    def take(self, n):
        with self.lock:
            now = time.monotonic()
            self.free_at = max(self.free_at, now) + n / self.bps
            wait = self.free_at - now  # the pieces reserved before this one, then this one's own time
        time.sleep(wait)


def new_stats():
    """GET /standin/stats: blob bytes actually sent (ranges count what was sent), blob GETs, manifest GET/HEADs."""
    return {"blob_bytes_served": 0, "blob_requests": 0, "manifest_requests": 0}


class Blob:
    """Deterministic bytes: a GGUF header followed by a repeated pseudo-random block."""

    def __init__(self, head, size, seed):
        self.head = head
        self.size = max(size, len(head))
        block = bytearray()
        counter = 0
        while len(block) < BLOCK:
            block += hashlib.sha256(seed + struct.pack("<Q", counter)).digest() * 64
            counter += 1
        self.block = bytes(block[:BLOCK])
        h = hashlib.sha256()
        for chunk in self.chunks(0, self.size):
            h.update(chunk)
        self.digest = "sha256:" + h.hexdigest()

    def chunks(self, start, end):
        pos = start
        while pos < end:
            if pos < len(self.head):
                piece = self.head[pos:min(end, len(self.head))]
            else:
                off = (pos - len(self.head)) % BLOCK
                piece = self.block[off:off + min(end - pos, BLOCK - off)]
            yield piece
            pos += len(piece)


class Registry:
    def __init__(self, big_size_mb):
        self.lock = threading.Lock()
        self.big_size = int(big_size_mb * 1024 * 1024)
        self.revisions = {key: 0 for key in FIXTURES}
        self.blobs = {}
        self.manifests = {}
        self.requests = []
        self.stats = new_stats()
        for key in FIXTURES:
            self.build(key)

    def _add_bytes(self, media_type, data):
        desc = descriptor(media_type, data)
        self.blobs[desc["digest"]] = data
        return desc

    def build(self, key):
        spec = FIXTURES[key]
        rev = self.revisions[key]
        kv = {"general.architecture": spec["arch"], "general.name": key[1], "general.parameter_count": spec["params"],
              "general.file_type_name": spec["ftype"], "general.quantization_version": 2,
              "%s.context_length" % spec["arch"]: spec["ctx"], "%s.embedding_length" % spec["arch"]: spec["embd"],
              "%s.block_count" % spec["arch"]: 22, "tokenizer.ggml.model": "gpt2"}
        if spec.get("pooling"):
            kv["%s.pooling_type" % spec["arch"]] = spec["pooling"]
        if rev:
            kv["general.standin_revision"] = rev
        size = spec["size_kb"] * 1024 if spec["size_kb"] else self.big_size
        blob = Blob(gguf.encode(kv), size, ("%s/%s:%s@%d" % (key + (rev,))).encode())
        self.blobs[blob.digest] = blob
        layers = [{"mediaType": MT_MODEL, "digest": blob.digest, "size": blob.size}]
        if spec.get("template"):
            layers.append(self._add_bytes(MT_TEMPLATE, spec["template"].encode()))
        if spec.get("license"):
            layers.append(self._add_bytes(MT_LICENSE, spec["license"].encode()))
        if spec.get("parameters"):
            layers.append(self._add_bytes(MT_PARAMS, json.dumps(spec["parameters"], separators=(",", ":"), sort_keys=True).encode()))
        config = {"model_format": "gguf", "model_family": spec["arch"], "model_families": [spec["arch"]], "model_type": spec["ptype"],
                  "file_type": spec["ftype"], "architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": [x["digest"] for x in layers]}}
        cfg = self._add_bytes(MT_CONFIG, json.dumps(config, separators=(",", ":")).encode())
        self.manifests[key] = manifest_bytes(cfg, layers)

    def bump(self, key):
        with self.lock:
            self.revisions[key] += 1
            self.build(key)
            return self.manifests[key]

    def listing(self):
        out = []
        for key, data in sorted(self.manifests.items()):
            out.append({"name": "%s/%s:%s" % key, "revision": self.revisions[key], "manifest_digest": "sha256:" + hashlib.sha256(data).hexdigest(),
                        "size": sum(x["size"] for x in json.loads(data)["layers"]) + json.loads(data)["config"]["size"]})
        return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin-registry"
    registry = None
    throttle = 0
    link = None  # Link (--link-bps) or None
    blob_url = ""  # "" = derive another host name from the request (blob_base); "direct" = serve blobs with 200

    def log_message(self, format, *args):  # noqa: A002
        sys.stderr.write("%s registry %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), format % args))

    def _send(self, status, data=b"", ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status, code, message):
        # distribution writes its errors with json.Encoder: one line ending in a newline
        self._send(status, json.dumps({"errors": [{"code": code, "message": message, "detail": {}}]}).encode() + b"\n")

    def _accepts_manifest(self):
        """distribution 2.8 serves a schema2 manifest only to a client that lists its media type in Accept."""
        for value in self.headers.get_all("Accept") or []:
            for item in value.split(","):
                if item.split(";", 1)[0].strip().lower() == MT_MANIFEST:
                    return True
        return False

    def blob_base(self):
        """scheme://host:port of the blob host for this request: --blob-url, or another name for this server.

        The other name is derived from the Host header the client sent, so it reaches this server from wherever the
        client is, without DNS: localhost <-> 127.0.0.1; another IPv4 address a.b.c.d -> [::ffff:a.b.c.d] (the same
        address, a different host name for Go's comparison; Go dials IPv4-mapped addresses over IPv4); an IPv6
        address -> its other spelling (compressed <-> exploded); a DNS name -> the address the request arrived on.
        """
        if self.blob_url:
            return self.blob_url.rstrip("/")
        local_ip, local_port = self.connection.getsockname()[:2]
        try:
            u = urllib.parse.urlsplit("//" + (self.headers.get("Host") or ""))
            host, port = u.hostname or "", u.port
        except ValueError:
            host, port = "", None
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if host == "localhost":
            other = "127.0.0.1"
        elif ip is not None and ip.is_loopback:
            other = "localhost"
        elif ip is not None and ip.version == 4:
            other = "[::ffff:%s]" % ip
        elif ip is not None and ip.ipv4_mapped is not None:
            other = str(ip.ipv4_mapped)
        elif ip is not None:
            other = "[%s]" % (ip.exploded if host != ip.exploded else ip.compressed)
        else:
            lip = ipaddress.ip_address(local_ip.split("%", 1)[0])
            if lip.version == 6 and lip.ipv4_mapped is not None:
                lip = lip.ipv4_mapped  # a dual-stack socket
            other, port = (str(lip) if lip.version == 4 else "[%s]" % lip), None
        return "http://%s:%d" % (other, port or local_port)

    def do_GET(self):
        reg = self.registry
        with reg.lock:
            reg.requests.append({"method": self.command, "path": self.path, "host": self.headers.get("Host", ""),
                                 "accept": self.headers.get("Accept", ""), "range": self.headers.get("Range", "")})
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        path = self.path.split("?")[0]
        # Absolute-form request target (a client talking to us as if we were a proxy) is refused.
        if path == "/v2/" or path == "/v2":
            return self._send(200, b"{}", headers=[("Docker-Distribution-API-Version", "registry/2.0")])
        if path == "/standin/models":
            return self._send(200, json.dumps(reg.listing()).encode())
        if path == "/standin/requests":
            return self._send(200, json.dumps(reg.requests).encode())
        if path == "/standin/stats":
            with reg.lock:
                return self._send(200, json.dumps(reg.stats).encode())
        m = re.fullmatch(r"/standin/bump/([^/]+)/([^/]+)/([^/]+)", path)
        if m and self.command == "POST":
            key = m.groups()
            if key not in reg.manifests:
                return self._error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            data = reg.bump(key)
            return self._send(200, json.dumps({"name": "%s/%s:%s" % key, "manifest_digest": "sha256:" + hashlib.sha256(data).hexdigest()}).encode())
        m = re.fullmatch(r"/v2/([^/]+)/([^/]+)/manifests/([^/]+)", path)
        if m and self.command in ("GET", "HEAD"):
            data = reg.manifests.get(m.groups())
            if data is None:
                return self._error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            if not self._accepts_manifest():
                # distribution tries to rewrite the manifest as schema1 for an old client; Ollama's config has no
                # history, so that fails: 400 MANIFEST_INVALID (seen on Debian's docker-registry, issue 14)
                return self._error(400, "MANIFEST_INVALID", "manifest invalid")
            with reg.lock:
                reg.stats["manifest_requests"] += 1
            return self._send(200, data, MT_MANIFEST, [("Docker-Content-Digest", "sha256:" + hashlib.sha256(data).hexdigest())])
        m = re.fullmatch(r"/v2/([^/]+)/([^/]+)/blobs/(sha256:[0-9a-f]{64})", path)
        if m and self.command in ("GET", "HEAD"):
            digest = m.group(3)
            if digest not in reg.blobs:
                return self._error(404, "BLOB_UNKNOWN", "blob unknown to registry")
            if self.blob_url == "direct":
                return self._blob(digest, [("Docker-Content-Digest", digest)])
            hexd = digest.split(":", 1)[1]
            location = self.blob_base() + BLOB_PATH % (hexd[:2], hexd)
            # Go's http.Redirect, as distribution's blob server calls it: 307, Location, a short HTML body on GET
            body = ('<a href="%s">Temporary Redirect</a>.\n\n' % location).encode() if self.command == "GET" else b""
            return self._send(307, body, "text/html; charset=utf-8", [("Location", location), ("Docker-Content-Digest", digest)])
        m = BLOB_PATH_RE.fullmatch(path)
        if m and self.command in ("GET", "HEAD") and m.group(2).startswith(m.group(1)):
            # the blob host: a plain file server for the storage directory (byte ranges, no registry headers)
            return self._blob("sha256:" + m.group(2))
        if path.startswith("/docker/"):
            return self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
        return self._error(404, "NAME_UNKNOWN", "repository name not known to registry")

    do_HEAD = do_POST = do_GET

    def _blob(self, digest, headers=()):
        blob = self.registry.blobs.get(digest)
        if blob is None:
            return self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
        if isinstance(blob, bytes):
            return self.send_ranged(len(blob), lambda start, end: [blob[start:end]], headers)
        return self.send_ranged(blob.size, blob.chunks, headers)

    def send_ranged(self, size, chunks, headers=()):
        """200 or 206 (one `Range: bytes=a-[b]`) with chunks(start, end), throttled, counted in the stats."""
        start, end, status = 0, size, 200
        rng = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if rng and int(rng.group(1)) >= size > 0:
            return self._send(416, b"invalid range: failed to overlap\n", "text/plain; charset=utf-8",
                              [("Content-Range", "bytes */%d" % size)])
        if rng:
            start = int(rng.group(1))
            end = min(size, int(rng.group(2)) + 1) if rng.group(2) else size
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        for k, v in headers:
            self.send_header(k, v)
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size))
        self.end_headers()
        if self.command == "HEAD":
            return
        stats = self.registry.stats
        with self.registry.lock:
            stats["blob_requests"] += 1
        t0 = time.monotonic()
        sent = 0
        try:
            for chunk in chunks(start, end):
                for i in range(0, len(chunk), 65536):
                    piece = chunk[i:i + 65536]
                    if self.link is not None:
                        self.link.take(len(piece))
                    self.wfile.write(piece)
                    sent += len(piece)
                    with self.registry.lock:
                        stats["blob_bytes_served"] += len(piece)
                    if self.throttle:
                        ahead = sent / self.throttle - (time.monotonic() - t0)
                        if ahead > 0:
                            time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class FileRoot:
    """--files ROOT: what FilesHandler serves, with the same lock and stats as a Registry."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.lock = threading.Lock()
        self.stats = new_stats()


class FilesHandler(Handler):
    """--files ROOT: a plain static file server (GET/HEAD, one byte range), the blob host that a distribution
    registry's `redirect` storage middleware sends clients to (baseurl + /docker/registry/v2/blobs/...).

    Written here rather than using `python3 -m http.server`, which has no byte ranges (Ollama downloads in ranges)."""
    server_version = "standin-files"

    def do_GET(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        path = urllib.parse.unquote(self.path.split("?")[0])
        if path == "/standin/stats":
            with self.registry.lock:
                return self._send(200, json.dumps(self.registry.stats).encode())
        if self.command not in ("GET", "HEAD"):
            return self._send(405, b"405 method not allowed\n", "text/plain; charset=utf-8", [("Allow", "GET, HEAD")])
        root = self.registry.root
        full = os.path.realpath(os.path.join(root, path.lstrip("/")))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            return self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
        size = os.path.getsize(full)

        def chunks(start, end):
            with open(full, "rb") as f:
                f.seek(start)
                left = end - start
                while left > 0:
                    piece = f.read(min(BLOCK, left))
                    if not piece:
                        return
                    left -= len(piece)
                    yield piece
        return self.send_ranged(size, chunks, [("Cache-Control", "public, max-age=31536000, immutable")])

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


def write_bundle(reg, directory, key, host):
    """--write-bundle: the fixture as a model bundle (upstream's OLLAMA_MODELS layout), no network. Returns a summary."""
    data = reg.manifests[key]
    manifest = json.loads(data)
    blobs_dir = os.path.join(directory, "blobs")
    os.makedirs(blobs_dir, exist_ok=True)
    for desc in [manifest["config"]] + manifest["layers"]:
        blob = reg.blobs[desc["digest"]]
        path = os.path.join(blobs_dir, desc["digest"].replace(":", "-"))
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            for chunk in ([blob] if isinstance(blob, bytes) else blob.chunks(0, blob.size)):
                f.write(chunk)
        os.replace(tmp, path)
    mpath = os.path.join(directory, "manifests", host, *key)
    os.makedirs(os.path.dirname(mpath), exist_ok=True)
    with open(mpath + ".tmp", "wb") as f:
        f.write(data)
    os.replace(mpath + ".tmp", mpath)
    return {"name": "%s/%s/%s:%s" % ((host,) + key), "manifest": os.path.relpath(mpath, directory),
            "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
            "size": len(data) + sum(int(x["size"]) for x in [manifest["config"]] + manifest["layers"])}


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default=os.environ.get("OLLAMA_STANDIN_REGISTRY_HOST", "0.0.0.0"))
    p.add_argument("--port", type=int, default=int(os.environ.get("OLLAMA_STANDIN_REGISTRY_PORT", "5000")))
    p.add_argument("--big-size-mb", type=float, default=float(os.environ.get("OLLAMA_STANDIN_BIG_SIZE_MB", "32")),
                   help="size of library/bigmodel's model layer in MiB (default 32)")
    p.add_argument("--throttle-bps", type=int, default=int(os.environ.get("OLLAMA_STANDIN_REGISTRY_THROTTLE_BPS", "0")),
                   help="limit blob downloads to this many bytes/s per request (0 = unlimited)")
    p.add_argument("--link-bps", type=int, default=int(os.environ.get("OLLAMA_STANDIN_REGISTRY_LINK_BPS", "0")),
                   help="limit all blob downloads together to this many bytes/s, a shared link (0 = unlimited)")
    p.add_argument("--blob-url", default=os.environ.get("OLLAMA_STANDIN_REGISTRY_BLOB_URL", ""), metavar="URL|direct",
                   help="answer blob requests with 307 to URL/docker/registry/v2/blobs/... (a host name the clients resolve "
                        "to this server); default: another name for the host the client used (localhost <-> 127.0.0.1, "
                        "a.b.c.d -> [::ffff:a.b.c.d]); 'direct' serves blobs with 200 (real Ollama cannot pull then)")
    p.add_argument("--bump", action="append", default=[], metavar="NS/MODEL:TAG",
                   help="start with this tag already bumped once (repeatable)")
    p.add_argument("--files", metavar="ROOT",
                   help="serve ROOT as a plain static file server instead (GET/HEAD, byte ranges): the blob host for a "
                        "distribution registry's redirect middleware; --throttle-bps applies, GET /standin/stats counts")
    p.add_argument("--write-bundle", nargs=2, metavar=("DIR", "NS/MODEL[:TAG]"),
                   help="write this fixture (after --bump/--big-size-mb) as a model bundle into DIR and exit: "
                        "manifests/<--bundle-host>/<ns>/<model>/<tag> and blobs/sha256-<hex>; prints a JSON summary")
    p.add_argument("--bundle-host", default=DEFAULT_BUNDLE_HOST,
                   help="host directory of the bundle's manifest (default %s)" % DEFAULT_BUNDLE_HOST)
    a = p.parse_args(argv)
    Handler.throttle = a.throttle_bps
    Handler.link = Link(a.link_bps) if a.link_bps > 0 else None
    if a.files:
        if not os.path.isdir(a.files):
            p.error("--files: %s is not a directory" % a.files)
        FilesHandler.registry = FileRoot(a.files)
        srv = Server((a.host, a.port), FilesHandler)
        sys.stderr.write("standin file server listening on %s:%d, serving %s\n" % (srv.server_address[:2] + (FilesHandler.registry.root,)))
        sys.stderr.flush()
        try:
            srv.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        return 0
    reg = Registry(a.big_size_mb)
    for item in a.bump:
        m = re.fullmatch(r"([^/]+)/([^:]+):(.+)", item)
        if not m or m.groups() not in reg.manifests:
            p.error("unknown fixture %s" % item)
        reg.bump(m.groups())
    if a.write_bundle:
        m = re.fullmatch(r"([^/:]+)/([^/:]+)(?::([^/:]+))?", a.write_bundle[1])
        key = m.groups()[:2] + (m.group(3) or "latest",) if m else None
        if key not in reg.manifests:
            p.error("unknown fixture %s (known: %s)" % (a.write_bundle[1], ", ".join("%s/%s:%s" % k for k in sorted(reg.manifests))))
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}", a.bundle_host):
            p.error("--bundle-host: not a valid registry host: %r" % a.bundle_host)
        print(json.dumps(write_bundle(reg, a.write_bundle[0], key, a.bundle_host)))
        return 0
    Handler.registry = reg
    if a.blob_url and a.blob_url != "direct":
        u = urllib.parse.urlsplit(a.blob_url)
        if u.scheme not in ("http", "https") or not u.hostname or u.path.strip("/") or u.query:
            p.error("--blob-url must be http(s)://host[:port] without a path, or 'direct': %r" % a.blob_url)
    Handler.blob_url = a.blob_url
    srv = Server((a.host, a.port), Handler)
    for item in reg.listing():
        sys.stderr.write("fixture %s %s %d bytes\n" % (item["name"], item["manifest_digest"], item["size"]))
    sys.stderr.write("standin registry listening on %s:%d, blobs: %s\n"
                     % (srv.server_address[:2] + (a.blob_url or "307 to another name for the requested host",)))
    sys.stderr.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_ignored: sys.exit(0))
    sys.exit(main())
