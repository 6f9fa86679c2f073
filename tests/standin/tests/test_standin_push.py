"""Stand-in push (issue 14) against a real CNCF distribution registry (Debian's docker-registry 2.8), the blob host
for its redirect middleware (registry.py --files), the registry's byte counter and the bundle writer."""
from __future__ import annotations

import hashlib
import http.client
import http.server
import importlib.util
import json
import os
import socketserver
import subprocess
import sys
import threading

import pytest

from standin_helpers import REPO, STANDIN, http_req, start_registry
from ollama_standin import push as push_mod, store as store_mod

_spec = importlib.util.spec_from_file_location("standin_distribution", os.path.join(REPO, "tests", "support", "distribution.py"))
distribution = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(distribution)

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = {"Accept": MT_MANIFEST}
TINY = "library/tinyllama"
TINY_DIGEST = "94f82c4774f309d368b4d198acd8d51afdba77d8151e2e5483da2364aa1361b7"  # README "Fixture models"


def _lines(body):
    return [json.loads(x) for x in body.splitlines() if x.strip()]


def _tags(server):
    return {m["name"]: m for m in json.loads(server.req("GET", "/api/tags")[2])["models"]}


def _pull(server, name):
    return _lines(server.req("POST", "/api/pull", {"model": name, "insecure": True})[2])


def _push(server, name, **extra):
    status, _ignored, body = server.req("POST", "/api/push", dict({"model": name}, **extra))
    return status, _lines(body)


def _port(url):
    return int(url.rsplit(":", 1)[1])


def _registry_digest(port, repo=TINY, tag="latest"):
    status, headers, body = http_req(port, "HEAD", "/v2/%s/manifests/%s" % (repo, tag), headers=ACCEPT)
    assert status == 200, body
    return dict((k.lower(), v) for k, v in headers)["docker-content-digest"]


def _stats(port):
    return json.loads(http_req(port, "GET", "/standin/stats")[2])


class _Relay(http.server.BaseHTTPRequestHandler):
    """A counting reverse proxy in front of the distribution: records every request, passes Host through (so the
    registry's upload Locations name the relay), returns the answers unchanged. It also takes absolute-form
    requests, as a forward proxy (HTTP_PROXY) gets them, and sends those to the same registry."""
    protocol_version = "HTTP/1.1"
    upstream = 0
    seen = []
    absolute = []

    def log_message(self, *_ignored):
        pass

    def do_GET(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        path = self.path
        if path.startswith("http://"):
            self.absolute.append((self.command, path.split("?")[0]))
            path = "/" + path.split("/", 3)[3]
        self.seen.append((self.command, path.split("?")[0], n))
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        conn.request(self.command, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        conn.close()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


@pytest.fixture
def mirror(tmp_path):
    """A distribution registry with the redirect middleware to a --files blob host for its storage (localhost:P,
    another host name than the registry's 127.0.0.1) and a counting relay in front of it."""
    os.makedirs(str(tmp_path / "storage"))
    files = start_registry("--files", str(tmp_path / "storage"), ready="/standin/stats")
    dist = distribution.Distribution(tmp_path, redirect_baseurl="http://localhost:%d/" % files.port)

    class Relay(_Relay):
        upstream = _port(dist.url)
        seen = []
        absolute = []
    relay = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Relay)
    relay.daemon_threads = True
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    dist.files = files
    dist.relay_port = relay.server_address[1]
    dist.relay_seen = Relay.seen
    dist.relay_absolute = Relay.absolute
    yield dist
    relay.shutdown()
    relay.server_close()
    dist.stop()
    files.stop()


def _local(server, registry, name):
    """Pull tinyllama from the stand-in registry and copy it to NAME; returns (digest, manifest)."""
    assert _pull(server, "%s/%s" % (registry.prefix, TINY))[-1] == {"status": "success"}
    status, _ignored, body = server.req("POST", "/api/copy", {"source": "%s/%s" % (registry.prefix, TINY), "destination": name})
    assert status == 200, body
    digest = _tags(server)[name + ":latest"]["digest"]
    path = os.path.join(server.home, ".ollama", "models", "manifests", *name.split("/")) + "/latest"
    with open(path, "rb") as f:
        return digest, json.loads(f.read())


def test_push_into_distribution_then_pull_back_through_the_blob_host(make_server, registry, mirror):
    s1 = make_server()
    name = "127.0.0.1:%d/%s" % (mirror.relay_port, TINY)
    digest, manifest = _local(s1, registry, name)
    blobs = [x["digest"] for x in manifest["layers"]] + [manifest["config"]["digest"]]
    sizes = {x["digest"]: x["size"] for x in manifest["layers"] + [manifest["config"]]}

    status, lines = _push(s1, name, insecure=True)
    assert status == 200
    statuses = [x["status"] for x in lines]
    assert statuses[0] == "retrieving manifest" and statuses[-2:] == ["pushing manifest", "success"], statuses
    for d in blobs:
        mine = [x for x in lines if x.get("digest") == d]
        assert mine and all(x["status"] == "pushing " + d[7:19] and x["total"] == sizes[d] for x in mine), lines
        assert mine[-1]["completed"] == sizes[d]
    # upstream's upload: POST uploads/ -> PATCH the part -> PUT ?digest=, per blob; then the manifest
    seen = [(m, p) for m, p, _n in mirror.relay_seen]
    uploads = "/v2/%s/blobs/uploads/" % TINY
    assert seen.count(("POST", uploads)) == len(blobs)
    assert sum(1 for m, p in seen if m == "PATCH" and p.startswith(uploads)) == len(blobs)
    assert sum(1 for m, p in seen if m == "PUT" and p.startswith(uploads)) == len(blobs)
    assert sum(n for m, _p, n in mirror.relay_seen if m == "PATCH") == sum(sizes.values())
    assert seen[-1] == ("PUT", "/v2/%s/manifests/latest" % TINY)

    # the registry lists it, under the local digest (the manifest bytes went up unchanged)
    port = _port(mirror.url)
    assert json.loads(http_req(port, "GET", "/v2/_catalog")[2]) == {"repositories": [TINY]}
    assert _registry_digest(port) == "sha256:" + digest
    assert digest == TINY_DIGEST

    # a second push uploads nothing: HEADs find every blob
    del mirror.relay_seen[:]
    status, lines = _push(s1, name, insecure=True, stream=False)
    assert status == 200 and lines == [{"status": "success"}]
    methods = [m for m, _p, _n in mirror.relay_seen]
    assert "POST" not in methods and "PATCH" not in methods, mirror.relay_seen
    assert methods.count("HEAD") == len(blobs) and methods[-1] == "PUT"

    # a fresh server pulls it from the registry; the bytes come from the --files blob host under another name
    before = _stats(mirror.files.port)
    s2 = make_server()
    back = "127.0.0.1:%d/%s" % (port, TINY)
    assert _pull(s2, back)[-1] == {"status": "success"}
    assert _tags(s2)[back + ":latest"]["digest"] == digest
    after = _stats(mirror.files.port)
    assert after["blob_bytes_served"] - before["blob_bytes_served"] == sum(sizes.values())
    assert after["blob_requests"] - before["blob_requests"] == len(blobs)


def test_push_goes_through_http_proxy(make_server, registry, mirror):
    # a non-loopback registry name: the stand-in (like Go) hands every http request of the push to HTTP_PROXY, the
    # relay sends them to the loopback registry; the registry's upload Locations name the same host, so they go there too
    name = "registry.standin.invalid:5000/%s" % TINY
    s = make_server(HTTP_PROXY="http://127.0.0.1:%d" % mirror.relay_port, NO_PROXY="localhost,127.0.0.1")
    digest = _local(s, registry, name)[0]
    status, lines = _push(s, name, insecure=True)
    assert lines[-1] == {"status": "success"}, lines
    base = "http://registry.standin.invalid:5000/v2/%s" % TINY
    methods = [m for m, u in mirror.relay_absolute]
    assert ("POST", base + "/blobs/uploads/") in mirror.relay_absolute and "PATCH" in methods
    assert all(u.startswith(base) for _m, u in mirror.relay_absolute)
    assert mirror.relay_absolute[-1] == ("PUT", base + "/manifests/latest")
    assert all(m != "GET" for m in methods)  # a push reads nothing back
    assert _registry_digest(_port(mirror.url)) == "sha256:" + digest


def test_pull_from_distribution_without_the_redirect_middleware_fails(make_server, registry, tmp_path):
    dist = distribution.Distribution(tmp_path)
    try:
        s1 = make_server()
        name = "127.0.0.1:%d/%s" % (_port(dist.url), TINY)
        digest = _local(s1, registry, name)[0]
        r = s1.cli("push", "--insecure", name)
        assert r.returncode == 0 and r.stderr.splitlines()[-1] == "success", r.stderr
        assert _registry_digest(_port(dist.url)) == "sha256:" + digest
        s2 = make_server()
        lines = _pull(s2, name)
        assert lines[-1] == {"error": "http: no Location header in response"}, lines
        r = s2.cli("pull", "--insecure", name)
        assert r.returncode == 1 and r.stderr.splitlines()[-1] == "Error: http: no Location header in response"
    finally:
        dist.stop()


def test_push_errors_like_upstream(make_server, registry, tmp_path):
    dist = distribution.Distribution(tmp_path)
    try:
        s = make_server()
        port = _port(dist.url)
        name = "127.0.0.1:%d/%s" % (port, TINY)
        manifest = _local(s, registry, name)[1]
        # without insecure the push talks https to the plain-http registry, as upstream does
        https = 'Head "https://%s/blobs/%s": http: server gave HTTP response to HTTPS client' % (
            "127.0.0.1:%d/v2/%s" % (port, TINY), manifest["layers"][0]["digest"])
        status, lines = _push(s, name)
        assert status == 200 and lines == [{"status": "retrieving manifest"}, {"error": https}], lines
        status, _ignored, body = s.req("POST", "/api/push", {"model": name, "stream": False})
        assert status == 500 and json.loads(body) == {"error": https}
        r = s.cli("push", name)
        assert r.returncode == 1 and r.stderr.splitlines()[-1] == "Error: " + https
        assert json.loads(http_req(port, "GET", "/v2/_catalog")[2]) == {"repositories": []}
        # an explicit http:// name needs insecure before anything is sent
        status, lines = _push(s, "http://" + name)
        assert lines == [{"status": "retrieving manifest"}, {"error": "insecure protocol http"}]
        # a model that is not there
        missing = os.path.join(s.home, ".ollama", "models", "manifests", "127.0.0.1:%d" % port, "library", "nope", "latest")
        status, lines = _push(s, "127.0.0.1:%d/library/nope" % port, insecure=True)
        assert status == 200 and lines == [{"status": "retrieving manifest"}, {"status": "couldn't retrieve manifest"},
                                           {"error": "open %s: no such file or directory" % missing}], lines
        status, _ignored, body = s.req("POST", "/api/push", {})
        assert status == 400 and json.loads(body) == {"error": "model is required"}
        # upstream's registry is never contacted
        status, lines = _push(s, "tinyllama-copy")
        assert lines[-1]["error"].startswith("open ")
        s.req("POST", "/api/copy", {"source": name, "destination": "standin/tinyllama"})
        status, lines = _push(s, "standin/tinyllama")
        assert lines[-1]["error"].endswith("dial tcp: lookup registry.ollama.ai: no such host"), lines
    finally:
        dist.stop()


def test_push_to_a_registry_with_basic_auth_fails_like_upstream(make_server, registry, tmp_path):
    """Ollama's push sends no credentials; a Basic challenge's realm is not on the registry's host."""
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text("seeder:$2y$05$aaaaaaaaaaaaaaaaaaaaaOaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")
    dist = distribution.Distribution(tmp_path, htpasswd_file=str(htpasswd))
    try:
        s = make_server()
        name = "127.0.0.1:%d/%s" % (_port(dist.url), TINY)
        _local(s, registry, name)
        status, lines = _push(s, name, insecure=True)
        assert lines == [{"status": "retrieving manifest"},
                         {"error": 'realm host "" does not match original host "127.0.0.1:%d"' % _port(dist.url)}], lines
    finally:
        dist.stop()


def test_a_blob_in_several_parts_reaches_the_registry_intact(mirror, tmp_path, monkeypatch):
    """Upstream cuts blobs over 200 MB into parts; with a 1 MB minimum part size a 3.5 MB blob takes 4 PATCHes."""
    monkeypatch.setattr(push_mod, "MIN_UPLOAD_PART_SIZE", 1000 * 1000)
    store = store_mod.Store(str(tmp_path / "models"))
    store.ensure()
    data = os.urandom(3500 * 1000)
    digest = store.write_blob(data)
    base = "http://127.0.0.1:%d/v2/acme/parts" % mirror.relay_port
    lines = []
    assert push_mod.upload_blob(store, base, {"digest": digest, "size": len(data)}, True, lines.append) is True
    assert lines[-1] == {"status": "pushing " + digest[7:19], "digest": digest, "total": len(data), "completed": len(data)}
    patches = [n for m, _p, n in mirror.relay_seen if m == "PATCH"]
    assert patches == [1000 * 1000] * 3 + [500 * 1000]
    commit = [p for m, p, _n in mirror.relay_seen if m == "PUT"]
    assert len(commit) == 1 and commit[0].startswith("/v2/acme/parts/blobs/uploads/")
    status, headers, _ignored = http_req(_port(mirror.url), "GET", "/v2/acme/parts/blobs/" + digest)
    assert status == 307
    location = dict((k.lower(), v) for k, v in headers)["location"]
    assert location.startswith("http://localhost:%d/docker/registry/v2/blobs/sha256/" % mirror.files.port)
    status, _ignored, body = http_req(mirror.files.port, "GET", "/" + location.split("/", 3)[3])
    assert status == 200 and body == data
    # pushed again: the HEAD finds it, nothing is uploaded
    del mirror.relay_seen[:]
    assert push_mod.upload_blob(store, base, {"digest": digest, "size": len(data)}, True, lines.append) is False
    assert [m for m, _p, _n in mirror.relay_seen] == ["HEAD"]


def test_upload_parts_follow_upstream():
    assert push_mod.upload_parts(1) == [(0, 1)]
    assert push_mod.upload_parts(150 * 1000 * 1000) == [(0, 100 * 1000 * 1000), (100 * 1000 * 1000, 50 * 1000 * 1000)]
    parts = push_mod.upload_parts(64 * 1000 * 1000 * 1000)
    assert len(parts) == 64 and parts[0] == (0, 1000 * 1000 * 1000)
    assert len(push_mod.upload_parts(200 * 1000 * 1000 * 1000)) == 200  # at most 1000 MB a part


# --- registry.py: the byte counter, --files, --write-bundle ---------------------------------------------------------


def test_registry_stats_count_the_bytes_sent(registry):
    before = _stats(registry.port)
    manifest = json.loads(http_req(registry.port, "GET", "/v2/%s/manifests/latest" % TINY, headers=ACCEPT)[2])
    assert http_req(registry.port, "GET", "/v2/%s/manifests/latest" % TINY)[0] == 400  # refused: not counted
    layer = manifest["layers"][0]
    status, headers, _ignored = http_req(registry.port, "GET", "/v2/%s/blobs/%s" % (TINY, layer["digest"]))
    assert status == 307
    path = dict((k.lower(), v) for k, v in headers)["location"].split("/", 3)[3]
    assert http_req(registry.port, "GET", "/" + path, headers={"Range": "bytes=100-1099"})[0] == 206
    assert http_req(registry.port, "HEAD", "/" + path)[0] == 200
    status, _ignored, body = http_req(registry.port, "GET", "/" + path)
    assert status == 200 and len(body) == layer["size"]
    after = _stats(registry.port)
    assert after["blob_bytes_served"] - before["blob_bytes_served"] == 1000 + layer["size"]
    assert after["blob_requests"] - before["blob_requests"] == 2
    assert after["manifest_requests"] - before["manifest_requests"] == 1


def test_files_host_serves_ranges_inside_its_root_only(tmp_path):
    root = tmp_path / "root"
    (root / "docker" / "a").mkdir(parents=True)
    data = os.urandom(300000)
    (root / "docker" / "a" / "data").write_bytes(data)
    (tmp_path / "secret").write_bytes(b"outside")
    files = start_registry("--files", str(root), "--throttle-bps", "100000000", ready="/standin/stats")
    try:
        status, headers, body = http_req(files.port, "GET", "/docker/a/data", headers={"Range": "bytes=1000-"})
        h = dict((k.lower(), v) for k, v in headers)
        assert status == 206 and body == data[1000:] and h["content-range"] == "bytes 1000-299999/300000"
        assert h["accept-ranges"] == "bytes"
        status, headers, body = http_req(files.port, "HEAD", "/docker/a/data")
        assert status == 200 and dict((k.lower(), v) for k, v in headers)["content-length"] == "300000" and body == b""
        assert http_req(files.port, "GET", "/docker/a/data", headers={"Range": "bytes=300000-"})[0] == 416
        for bad in ("/../secret", "/docker/../../secret", "/%2e%2e/secret", "/docker/a", "/nope"):
            assert http_req(files.port, "GET", bad)[0] == 404, bad
        assert http_req(files.port, "PUT", "/docker/a/data", body=b"x")[0] == 405
        assert _stats(files.port) == {"blob_bytes_served": 299000, "blob_requests": 1, "manifest_requests": 0}
    finally:
        files.stop()


def _bundle(*args):
    return subprocess.run([sys.executable, os.path.join(STANDIN, "registry.py")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)


def test_write_bundle_is_a_verified_models_dir(tmp_path, make_server):
    out = tmp_path / "bundle"
    r = _bundle("--write-bundle", str(out), TINY + ":latest")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    mpath = out / "manifests" / "registry.ollama.ai" / "library" / "tinyllama" / "latest"
    data = mpath.read_bytes()
    assert summary["digest"] == "sha256:" + hashlib.sha256(data).hexdigest() == "sha256:" + TINY_DIGEST
    assert summary["name"] == "registry.ollama.ai/library/tinyllama:latest"
    manifest = json.loads(data)
    descs = manifest["layers"] + [manifest["config"]]
    assert sorted(os.listdir(str(out / "blobs"))) == sorted(d["digest"].replace(":", "-") for d in descs)
    for d in descs:
        blob = (out / "blobs" / d["digest"].replace(":", "-")).read_bytes()
        assert len(blob) == d["size"] and "sha256:" + hashlib.sha256(blob).hexdigest() == d["digest"]
    assert summary["size"] == len(data) + sum(d["size"] for d in descs)
    # the bundle is an OLLAMA_MODELS directory as it is
    s = make_server(OLLAMA_MODELS=str(out))
    assert _tags(s)["tinyllama:latest"]["digest"] == TINY_DIGEST

    # another host, a bumped tag, a sized bigmodel; bad input is refused
    r = _bundle("--write-bundle", str(tmp_path / "b2"), "library/bigmodel", "--bundle-host", "mirror.example:5000",
                "--big-size-mb", "2", "--bump", "library/bigmodel:latest")
    assert r.returncode == 0, r.stderr
    m2 = tmp_path / "b2" / "manifests" / "mirror.example:5000" / "library" / "bigmodel" / "latest"
    assert json.loads(m2.read_bytes())["layers"][0]["size"] == 2 * 1024 * 1024
    r = _bundle("--write-bundle", str(tmp_path / "b3"), "library/nope:latest")
    assert r.returncode == 2 and "unknown fixture library/nope:latest" in r.stderr and not (tmp_path / "b3").exists()
