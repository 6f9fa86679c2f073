"""Helpers and fixtures: the stand-in registry and servers started from the BUILT release archive (packaging is tested too).

Imported by conftest.py; test modules import helpers from here (a unique name, so other conftest.py files cannot shadow it).
"""
from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(STANDIN))
BUILD = os.path.join(REPO, "build", "standin")
VERSION = "0.32.15"
OLD_VERSION = "0.13.5"

sys.path.insert(0, STANDIN)


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def http_req(port, method, path, body=None, headers=None, host="127.0.0.1", timeout=30):
    """Raw HTTP: returns (status, headers(list), body bytes)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def wait_http(port, timeout=15, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s" % proc.returncode)
        try:
            status, _ignored, _ignored = http_req(port, "GET", "/api/version", headers={"Host": "127.0.0.1"}, timeout=2)
            if status:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not answer" % port)


def extract_release(version):
    """bin/ + lib/ of the built linux-amd64 archive of `version`, extracted into a new world-readable dir."""
    vdir = os.path.join(BUILD, "v" + version)
    names = [n for n in os.listdir(vdir) if n.startswith("ollama-linux-amd64.")]
    path = os.path.join(vdir, names[0])
    root = tempfile.mkdtemp(prefix="standin-install-")
    os.chmod(root, 0o755)
    if path.endswith(".tar.zst"):
        raw = subprocess.run(["zstd", "-dc", path], stdout=subprocess.PIPE, check=True, timeout=60).stdout
        tar = tarfile.open(fileobj=io.BytesIO(raw))
    else:
        tar = tarfile.open(path, "r:gz")
    with tar:
        tar.extractall(root)
    return root


@pytest.fixture(scope="session")
def built():
    """Runs the (cached) archive build so the tests always exercise the current sources through the packaging."""
    subprocess.run([sys.executable, os.path.join(STANDIN, "build.py"), "--no-images"], check=True, timeout=120, stdout=subprocess.DEVNULL)
    return BUILD


@pytest.fixture(scope="session")
def install_root(built):
    root = extract_release(VERSION)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def ollama_bin(install_root):
    return os.path.join(install_root, "bin", "ollama")


def base_env(home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update({"HOME": home, "OLLAMA_STANDIN_TOKEN_DELAY_MS": "2", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update({k: str(v) for k, v in extra.items()})
    return {k: v for k, v in env.items() if v is not None and v != "\0unset"}


class Proc:
    def __init__(self, args, env, cwd=None):
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, env=env, stdout=self.out, stderr=self.err, cwd=cwd)

    def logs(self):
        self.out.seek(0)
        self.err.seek(0)
        return self.out.read().decode(), self.err.read().decode()

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


class Server(Proc):
    def __init__(self, ollama_bin, tmp, **env):
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home, exist_ok=True)
        bind = env.pop("bind", "127.0.0.1")
        self.port = free_port()
        self.host = "%s:%d" % (bind, self.port)
        self.url = "http://127.0.0.1:%d" % self.port
        self.env = base_env(self.home, OLLAMA_HOST=self.host, **env)
        Proc.__init__(self, [ollama_bin, "serve"], self.env)
        wait_http(self.port, proc=self.proc)

    def cli(self, *args, timeout=60, **env):
        e = dict(self.env, **env)
        e["OLLAMA_HOST"] = "127.0.0.1:%d" % self.port
        return subprocess.run([self.bin] + list(args), env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)

    def req(self, method, path, body=None, headers=None):
        hdrs = {"Host": "127.0.0.1:%d" % self.port}
        hdrs.update(headers or {})
        return http_req(self.port, method, path, body, hdrs)


@pytest.fixture
def make_server(ollama_bin, tmp_path):
    started = []

    def factory(**env):
        d = tempfile.mkdtemp(dir=str(tmp_path))
        s = Server(ollama_bin, d, **env)
        s.bin = ollama_bin
        started.append(s)
        return s
    yield factory
    for s in started:
        s.stop()


def start_registry(*args, ready="/v2/", env=None):
    """tests/standin/registry.py on a free loopback port (extra command-line ARGS), once it answers READY with 200
    (`--files ROOT` has no /v2/: use ready="/standin/stats")."""
    port = free_port()
    p = Proc([sys.executable, os.path.join(STANDIN, "registry.py"), "--host", "127.0.0.1", "--port", str(port)]
             + list(args), dict(os.environ, **(env or {})))
    deadline = time.monotonic() + 20
    while True:
        try:
            status, _ignored, _ignored = http_req(port, "GET", ready, timeout=2)
            if status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or p.proc.poll() is not None:
            raise RuntimeError("registry did not start: %s" % (p.logs(),))
        time.sleep(0.05)
    p.port = port
    return p


@pytest.fixture(scope="session")
def registry():
    p = start_registry("--big-size-mb", "6")
    port = p.port
    p.prefix = "127.0.0.1:%d" % port
    yield p
    p.stop()


@pytest.fixture(scope="session")
def shared_server(ollama_bin, registry, tmp_path_factory):
    """One server with tinyllama and nomic-embed pulled, for the client-library tests."""
    s = Server(ollama_bin, str(tmp_path_factory.mktemp("shared")))
    s.bin = ollama_bin
    for m in ("library/tinyllama", "library/nomic-embed"):
        status, _ignored, body = s.req("POST", "/api/pull", {"model": "%s/%s" % (registry.prefix, m), "insecure": True, "stream": False})
        assert status == 200 and json.loads(body) == {"status": "success"}, body
    yield s
    s.stop()
