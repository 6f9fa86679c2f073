"""The traps of ollama-server.md §2-§5 and §11, driven with raw HTTP and the packaged CLI."""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import socketserver
import stat
import subprocess
import threading
import time

import pytest

from standin_helpers import OLD_VERSION, VERSION, Server, base_env, extract_release, free_port, http_req

PANIC_HOME = "panic: $HOME is not defined\n\ngoroutine 1 [running]:\n"
BAD_ORIGIN = ("panic: bad origin: origins must contain '*' or include "
              "http://,https://,chrome-extension://,safari-extension://,moz-extension://,ms-browser-extension://")


def run(cmd, env, timeout=20):
    return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout, check=False)


@pytest.mark.parametrize("args", [["--version"], ["-v"], ["list"], ["serve"], ["pull", "x"]])
@pytest.mark.parametrize("home", [None, ""])
def test_home_unset_panics_for_every_command(ollama_bin, args, home):
    env = base_env("x")
    if home is None:
        del env["HOME"]
    else:
        env["HOME"] = home
    r = run([ollama_bin] + args, env)
    assert r.returncode == 2
    assert r.stderr.startswith(PANIC_HOME)
    assert "envconfig.Models" in r.stderr and "main.main()" in r.stderr


def test_home_unset_with_models_serve_errors(ollama_bin, tmp_path):
    env = base_env("x", OLLAMA_MODELS=str(tmp_path / "models"), OLLAMA_HOST="127.0.0.1:%d" % free_port())
    del env["HOME"]
    r = run([ollama_bin, "serve"], env)
    assert r.returncode == 1
    assert r.stderr.strip().endswith("Error: $HOME is not defined")
    # client commands still work (they only fail to connect)
    r = run([ollama_bin, "list"], env)
    assert r.returncode == 1 and r.stderr.strip() == "Error: could not connect to ollama server, run 'ollama serve' to start it"


def test_version_forms(ollama_bin, make_server, tmp_path):
    env = base_env(str(tmp_path), OLLAMA_HOST="127.0.0.1:%d" % free_port())
    r = run([ollama_bin, "-v"], env)
    assert r.returncode == 0
    assert r.stdout == "Warning: could not connect to a running Ollama instance\nWarning: client version is %s\n" % VERSION
    s = make_server()
    r = s.cli("--version")
    assert r.returncode == 0 and r.stdout == "ollama version is %s\n" % VERSION
    # a client of another version warns about the mismatch (source checkout run with an overridden version)
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(s.env, OLLAMA_HOST="127.0.0.1:%d" % s.port, OLLAMA_STANDIN_VERSION="0.1.0", PYTHONPATH=src)
    r = run(["python3", "-m", "ollama_standin", "-v"], env)
    assert r.returncode == 0 and r.stdout == "ollama version is %s\nWarning: client version is 0.1.0\n" % VERSION
    status, _ignored, body = s.req("GET", "/api/version")
    assert status == 200 and json.loads(body) == {"version": VERSION}


def test_startup_logs_keypair_and_sigterm(make_server):
    s = make_server(OLLAMA_KEEP_ALIVE="1h", OLLAMA_NUM_PARALLEL="3", OLLAMA_FLASH_ATTENTION="1", OLLAMA_KV_CACHE_TYPE="q8_0")
    key = os.path.join(s.home, ".ollama", "id_ed25519")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    status, _ignored, _ignored = s.req("GET", "/api/tags")
    assert status == 200
    assert s.stop() == 0  # SIGTERM -> clean exit
    out, err = s.logs()
    assert "Couldn't find '%s'. Generating new private key." % key in out
    assert "Your new public key is:" in out
    assert '[GIN]' in out and '"/api/tags"' in out
    line = [x for x in err.splitlines() if 'msg="server config"' in x][0]
    for item in ("OLLAMA_KEEP_ALIVE:1h0m0s", "OLLAMA_NUM_PARALLEL:3", "OLLAMA_FLASH_ATTENTION:true", "OLLAMA_KV_CACHE_TYPE:q8_0",
                 "OLLAMA_HOST:http://%s" % s.host):
        assert item in line
    assert "Listening on 127.0.0.1:%d (version %s)" % (s.port, VERSION) in err


def test_port_in_use(make_server, ollama_bin, tmp_path):
    s = make_server()
    r = run([ollama_bin, "serve"], base_env(str(tmp_path), OLLAMA_HOST=s.host))
    assert r.returncode == 1
    assert r.stderr.strip().endswith("Error: listen tcp %s: bind: address already in use" % s.host)


@pytest.mark.parametrize("origins", ["example.com", "http://a, http://b", "safari-web-extension://id"])
def test_bad_origins_panic(ollama_bin, tmp_path, origins):
    r = run([ollama_bin, "serve"], base_env(str(tmp_path), OLLAMA_HOST="127.0.0.1:%d" % free_port(), OLLAMA_ORIGINS=origins))
    assert r.returncode == 2
    assert BAD_ORIGIN + "\n\ngoroutine 1 [running]:" in r.stderr
    assert r.stderr.index('msg="server config"') < r.stderr.index("panic: bad origin")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to an unprivileged user")
def test_unwritable_models_dir(ollama_bin, tmp_path):
    import tempfile
    base = tempfile.mkdtemp(prefix="standin-perm-")
    try:
        os.chmod(base, 0o755)
        home = os.path.join(base, "home")
        locked = os.path.join(base, "locked")
        os.makedirs(home)
        os.makedirs(locked, mode=0o700)
        os.chown(home, 65534, 65534)
        env = base_env(home, OLLAMA_HOST="127.0.0.1:%d" % free_port(), OLLAMA_MODELS=os.path.join(locked, "models"))
        r = subprocess.run([ollama_bin, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=20, preexec_fn=lambda: (os.setgroups([]), os.setgid(65534), os.setuid(65534)), check=False)
        assert r.returncode == 1, r.stderr
        assert r.stderr.strip().endswith("Error: mkdir %s: permission denied: ensure path elements are traversable" % os.path.join(locked, "models"))
    finally:
        subprocess.run(["rm", "-rf", base], check=False)


def test_host_allow_list_on_loopback(make_server):
    s = make_server()
    for host, expected in [("evil.example.com", 403), ("8.8.8.8:1", 403), ("[::1]", 403), ("localhost:%d" % s.port, 200),
                           ("box.internal", 200), ("a.localhost", 200), ("10.1.2.3:80", 200), ("192.168.1.1", 200), ("0.0.0.0", 200)]:
        status, _ignored, body = http_req(s.port, "GET", "/", headers={"Host": host})
        assert status == expected, host
        if expected == 403:
            assert body == b""
        else:
            assert body == b"Ollama is running"
    # engine-wide: 404 routes are guarded too; OPTIONS with an accepted hostname -> 204
    assert http_req(s.port, "GET", "/nope", headers={"Host": "evil.example.com"})[0] == 403
    assert http_req(s.port, "OPTIONS", "/api/tags", headers={"Host": "localhost"})[0] == 204


def test_no_host_check_when_bound_to_all_interfaces_and_wildcard_origin(make_server):
    s = make_server(bind="0.0.0.0", OLLAMA_ORIGINS="*")
    _ignored, err = s.logs()
    assert "Listening on [::]:%d" % s.port in err or "Listening on 0.0.0.0:%d" % s.port in err
    status, headers, body = http_req(s.port, "GET", "/api/version", headers={"Host": "ollama.example.com", "Origin": "https://x.example"})
    assert status == 200 and dict(headers)["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in dict(headers)
    # nothing pulled: /v1/models data is null, /api/tags models is []
    assert json.loads(s.req("GET", "/v1/models")[2]) == {"object": "list", "data": None}
    assert json.loads(s.req("GET", "/api/tags")[2]) == {"models": []}


def test_cors(make_server):
    s = make_server(OLLAMA_ORIGINS="https://chat.example.com,https://*.corp.example")
    host = {"Host": "127.0.0.1:%d" % s.port}
    status, headers, body = http_req(s.port, "GET", "/api/tags", headers=dict(host, Origin="http://evil.example"))
    assert status == 403 and body == b""
    for origin in ("http://localhost:3000", "https://chat.example.com", "https://a.corp.example", "app://x", "http://127.0.0.1"):
        status, headers, _ignored = http_req(s.port, "GET", "/api/tags", headers=dict(host, Origin=origin))
        assert status == 200, origin
        assert ("Access-Control-Allow-Origin", origin) in headers and ("Vary", "Origin") in headers
    preflight = dict(host, Origin="http://localhost:3000")
    preflight["Access-Control-Request-Method"] = "POST"
    status, headers, body = http_req(s.port, "OPTIONS", "/api/chat", headers=preflight)
    h = dict(headers)
    assert status == 204 and body == b""
    assert h["Access-Control-Max-Age"] == "43200"
    assert h["Access-Control-Allow-Methods"] == "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
    assert "X-Stainless-Timeout" in h["Access-Control-Allow-Headers"] and h["Access-Control-Allow-Headers"].startswith("Authorization,")
    assert [v for k, v in headers if k == "Vary"] == ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    # same origin passes without being listed
    status, _ignored, _ignored = http_req(s.port, "GET", "/", headers={"Host": "localhost:%d" % s.port, "Origin": "http://localhost:%d" % s.port})
    assert status == 200


def test_404_405_and_errors(make_server):
    s = make_server()
    status, headers, body = s.req("GET", "/api/nope")
    assert (status, body) == (404, b"404 page not found")
    status, _ignored, body = s.req("GET", "/api/pull")
    assert (status, body) == (405, b"405 method not allowed")
    status, _ignored, body = s.req("POST", "/api/pull", b"")
    assert status == 400 and json.loads(body) == {"error": "missing request body"}
    status, _ignored, body = s.req("POST", "/api/pull", {"model": "a/b/c/d"})
    assert status == 400 and json.loads(body) == {"error": "invalid model name"}
    status, _ignored, body = s.req("DELETE", "/api/delete", {"model": "ghost"})
    assert status == 404 and json.loads(body) == {"error": "model 'ghost' not found"}
    status, _ignored, body = s.req("POST", "/api/copy", {"source": "ghost", "destination": "x"})
    assert status == 404 and json.loads(body) == {"error": 'model "ghost" not found'}
    status, _ignored, body = s.req("POST", "/api/generate", {"model": "ghost", "prompt": "x"})
    assert status == 404 and json.loads(body) == {"error": "model 'ghost' not found"}
    status, _ignored, body = s.req("POST", "/api/chat", {"model": ""})
    assert status == 400 and json.loads(body) == {"error": "model is required"}
    status, _ignored, body = s.req("POST", "/api/embed", {"model": "ghost", "input": "x"})
    assert status == 404 and json.loads(body) == {"error": 'model "ghost" not found, try pulling it first'}
    status, _ignored, body = s.req("POST", "/v1/chat/completions", {"model": "ghost", "messages": [{"role": "user", "content": "x"}]})
    assert status == 404 and json.loads(body)["error"] == {"message": "model 'ghost' not found", "type": "not_found_error",
                                                           "param": None, "code": None}
    status, _ignored, body = s.req("POST", "/api/create", {"model": "x", "modelfile": "FROM tinyllama"})
    assert status == 400 and json.loads(body) == {"error": "neither 'from' or 'files' was specified"}
    status, headers, body = s.req("HEAD", "/")
    assert status == 200 and body == b"" and dict(headers)["Content-Type"] == "text/plain; charset=utf-8"
    blob = b"stand-in blob"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    assert s.req("HEAD", "/api/blobs/" + digest)[0] == 404
    status, _ignored, body = s.req("POST", "/api/blobs/" + digest, b"other bytes")
    assert status == 400 and json.loads(body)["error"].startswith('digest mismatch, expected "%s", got "sha256:' % digest)
    assert s.req("POST", "/api/blobs/sha256:xyz", blob)[0] == 400
    assert s.req("POST", "/api/blobs/" + digest, blob)[0] == 201
    assert s.req("POST", "/api/blobs/" + digest, blob)[0] == 200
    assert s.req("HEAD", "/api/blobs/" + digest)[0] == 200
    status, _ignored, body = s.req("GET", "/api/status")
    assert status == 200 and json.loads(body) == {"cloud": {"disabled": False, "source": "none"}}


def _lines(body):
    return [json.loads(x) for x in body.decode().splitlines() if x.strip()]


def test_pull_stream_and_in_stream_error(make_server, registry):
    s = make_server(OLLAMA_NOPRUNE="0")
    status, headers, body = s.req("POST", "/api/pull", {"model": registry.prefix + "/library/nope", "insecure": True})
    assert status == 200 and dict(headers)["Content-Type"] == "application/x-ndjson"
    assert _lines(body) == [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]
    status, _ignored, body = s.req("POST", "/api/pull", {"model": registry.prefix + "/library/nope", "insecure": True, "stream": False})
    assert status == 500 and json.loads(body) == {"error": "pull model manifest: file does not exist"}
    status, _ignored, body = s.req("POST", "/api/pull", {"model": registry.prefix + "/library/bigmodel", "insecure": True})
    lines = _lines(body)
    assert status == 200 and lines[0] == {"status": "pulling manifest"} and lines[-1] == {"status": "success"}
    statuses = [x["status"] for x in lines]
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layer = [x for x in lines if x.get("total", 0) > 1000000]
    assert layer and all(x["status"] == "pulling " + x["digest"][7:19] for x in layer)
    assert layer[-1]["completed"] == layer[-1]["total"] == 6 * 1024 * 1024
    # repull: every blob is present -> one completed line per layer, nothing removed
    lines = _lines(s.req("POST", "/api/pull", {"model": registry.prefix + "/library/bigmodel", "insecure": True})[2])
    assert "removing unused layers" not in [x["status"] for x in lines] and lines[-1] == {"status": "success"}
    assert all(x["completed"] == x["total"] for x in lines if "total" in x)
    # the default registry is never contacted
    lines = _lines(s.req("POST", "/api/pull", {"model": "llama3.2"})[2])
    assert "error" in lines[-1] and "registry.ollama.ai" in lines[-1]["error"]


def test_bumped_digest_is_pulled_and_old_layers_removed(make_server, registry):
    s = make_server()
    name = registry.prefix + "/acme/tinycoder:1b"
    assert _lines(s.req("POST", "/api/pull", {"model": name, "insecure": True})[2])[-1] == {"status": "success"}
    before = json.loads(s.req("GET", "/api/tags")[2])["models"][0]
    assert before["name"] == name and before["details"]["family"] == "qwen2"
    status, _ignored, body = http_req(registry.port, "POST", "/standin/bump/acme/tinycoder/1b")
    assert status == 200
    lines = _lines(s.req("POST", "/api/pull", {"model": name, "insecure": True})[2])
    assert [x["status"] for x in lines][-2:] == ["removing unused layers", "success"]
    after = json.loads(s.req("GET", "/api/tags")[2])["models"][0]
    assert after["digest"] != before["digest"]
    assert "sha256:" + after["digest"] == json.loads(body)["manifest_digest"]
    # model, template, params and config blobs of the new revision only
    assert len(os.listdir(os.path.join(s.home, ".ollama", "models", "blobs"))) == 4


def test_queue_full_503(make_server, registry):
    s = make_server(OLLAMA_NUM_PARALLEL="1", OLLAMA_MAX_QUEUE="1", OLLAMA_STANDIN_TOKEN_DELAY_MS="60")
    name = registry.prefix + "/library/tinyllama"
    assert s.req("POST", "/api/pull", {"model": name, "insecure": True, "stream": False})[0] == 200
    results = []

    def one(i):
        results.append(s.req("POST", "/api/generate", {"model": name, "prompt": "p%d" % i, "stream": False}))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join(30)
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 200, 503]
    busy = [r for r in results if r[0] == 503][0]
    assert json.loads(busy[2]) == {"error": "server busy, please try again.  maximum pending requests exceeded"}


class _Proxy(http.server.BaseHTTPRequestHandler):
    """Tiny forward proxy that records absolute-form requests and sends them to the local registry."""

    seen = []
    target = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Proxy.seen.append(self.path)
        fwd = {k: self.headers[k] for k in ("Accept", "Range") if self.headers.get(k)}
        fwd["Host"] = "registry"
        status, headers, body = http_req(self.target, self.command, "/" + self.path.split("/", 3)[3], headers=fwd)
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET


def test_pull_goes_through_http_proxy(make_server, registry):
    # The registry is named by a hostname that is not loopback; the stand-in never resolves it because Go (and the
    # stand-in) hand http:// registry requests to HTTP_PROXY.  The proxy forwards to the local registry, so no traffic
    # leaves loopback.  A loopback registry would not be proxied (see test_units.test_proxy_decision_like_go).
    _Proxy.seen = []
    _Proxy.target = registry.port
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Proxy)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        s = make_server(HTTP_PROXY="http://127.0.0.1:%d" % srv.server_address[1], NO_PROXY="localhost,127.0.0.1")
        name = "registry.standin.invalid:5000/library/nomic-embed"
        lines = _lines(s.req("POST", "/api/pull", {"model": name, "insecure": True})[2])
        assert lines[-1] == {"status": "success"}
        assert "http://registry.standin.invalid:5000/v2/library/nomic-embed/manifests/latest" in _Proxy.seen
        assert any("/blobs/sha256:" in p for p in _Proxy.seen)
        assert "HTTP_PROXY:http://127.0.0.1:%d" % srv.server_address[1] in s.logs()[1]
    finally:
        srv.shutdown()
        srv.server_close()


def test_cli_commands(make_server, registry, tmp_path):
    s = make_server()
    name = registry.prefix + "/library/tinyllama"
    r = s.cli("pull", "--insecure", name)
    assert r.returncode == 0 and r.stderr.splitlines()[-1] == "success"
    r = s.cli("pull", name)  # without --insecure the stand-in (like upstream) talks https to a plain-http registry
    assert r.returncode == 1 and r.stderr.splitlines()[-1].startswith("Error: pull model manifest: ")
    r = s.cli("list")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ID", "SIZE", "MODIFIED"] and lines[0].endswith("    ")
    assert lines[1].startswith(name + ":latest    ") and "1.6 MB" in lines[1]
    r = s.cli("run", name, "why is the sky blue")
    assert r.returncode == 0 and len(r.stdout.split()) >= 8
    assert s.cli("run", name, "why is the sky blue").stdout == r.stdout  # deterministic
    r = s.cli("ps")
    assert r.stdout.splitlines()[0].split() == ["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"] and "100% CPU" in r.stdout
    assert s.cli("stop", name).returncode == 0
    assert len(s.cli("ps").stdout.splitlines()) == 1
    mf = tmp_path / "Modelfile"
    mf.write_text('FROM %s\nPARAMETER temperature 0.3\nPARAMETER stop "<x>"\nSYSTEM """You are\na test."""\nLICENSE MIT\n' % name)
    r = s.cli("create", "mine", "-f", str(mf))
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[-1] == "success"
    r = s.cli("show", "mine", "--parameters")
    assert r.stdout.splitlines() == ['stop                           "<x>"', "temperature                    0.3"]
    assert s.cli("show", "mine", "--system").stdout == "You are\na test.\n"
    assert s.cli("cp", "mine", "mine2").returncode == 0
    r = s.cli("rm", "mine2")
    assert r.returncode == 0 and r.stdout == "deleted 'mine2'\n"
    r = s.cli("rm", "mine2")
    assert r.returncode == 1 and r.stderr == "Error: model 'mine2' not found\n"
    s.stop()
    r = s.cli("list")
    assert r.returncode == 1 and r.stderr == "Error: could not connect to ollama server, run 'ollama serve' to start it\n"


def test_old_release_behaviour(built, registry, tmp_path):
    """v0.13.5 build: its own version, no /api/status (v0.16.2+), pre-v0.32.6 OpenAI stream chunks, --version forms."""
    root = extract_release(OLD_VERSION)
    try:
        exe = os.path.join(root, "bin", "ollama")
        with open(os.path.join(root, "lib", "ollama", "standin", "VERSION")) as f:
            assert f.read().strip() == OLD_VERSION
        s = Server(exe, str(tmp_path))
        s.bin = exe
        try:
            assert s.cli("-v").stdout == "ollama version is %s\n" % OLD_VERSION
            assert s.req("GET", "/api/status")[:3:2] == (404, b"404 page not found")
            name = registry.prefix + "/library/tinyllama"
            assert s.req("POST", "/api/pull", {"model": name, "insecure": True, "stream": False})[0] == 200
            req = {"model": name, "stream": True, "messages": [{"role": "user", "content": "x"}]}
            status, headers, body = s.req("POST", "/v1/chat/completions", req)
            assert status == 200 and dict(headers)["Content-Type"] == "text/event-stream"
            events = body.decode().split("\n\n")
            assert events[-2:] == ["data: [DONE]", ""]
            chunks = [json.loads(e[6:]) for e in events[:-2]]
            assert all(c["choices"][0]["delta"]["role"] == "assistant" for c in chunks)
            assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["choices"][0]["delta"]["content"]
            assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
        finally:
            assert s.stop() == 0
    finally:
        subprocess.run(["rm", "-rf", root], check=False)


def test_keep_alive_max_loaded_and_v1_model(make_server, registry):
    s = make_server(OLLAMA_MAX_LOADED_MODELS="1", OLLAMA_KEEP_ALIVE="-1")
    tiny, embed = registry.prefix + "/library/tinyllama:latest", registry.prefix + "/library/nomic-embed:latest"
    for name in (tiny, embed):
        assert s.req("POST", "/api/pull", {"model": name, "insecure": True, "stream": False})[0] == 200
    assert json.loads(s.req("POST", "/api/generate", {"model": tiny})[2])["done_reason"] == "load"
    ps = json.loads(s.req("GET", "/api/ps")[2])["models"]
    assert [m["name"] for m in ps] == [tiny] and ps[0]["size_vram"] == 0 and ps[0]["expires_at"].startswith("2")
    assert int(ps[0]["expires_at"][:4]) > 2100  # OLLAMA_KEEP_ALIVE=-1: forever
    assert s.req("POST", "/api/embed", {"model": embed, "input": "x", "keep_alive": "1s"})[0] == 200
    assert [m["name"] for m in json.loads(s.req("GET", "/api/ps")[2])["models"]] == [embed]  # MAX_LOADED_MODELS=1 evicted tiny
    time.sleep(1.2)
    assert json.loads(s.req("GET", "/api/ps")[2])["models"] == []
    assert s.req("POST", "/api/generate", {"model": tiny, "keep_alive": "soon"})[0] == 400
    assert s.req("POST", "/api/copy", {"source": tiny, "destination": "tiny"})[0] == 200
    status, _ignored, body = s.req("GET", "/v1/models/tiny")
    assert status == 200 and json.loads(body)["id"] == "tiny" and json.loads(body)["owned_by"] == "library"
    assert s.req("GET", "/v1/models/ghost")[0] == 404
