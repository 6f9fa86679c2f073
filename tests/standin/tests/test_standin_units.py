"""Pure-logic checks of the stand-in against ollama-server.md: env parsing, names, proxy choice, packaging."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile

import pytest

from standin_helpers import STANDIN, VERSION
from ollama_standin import envconfig, names, pull


@pytest.mark.parametrize("raw,url", [
    # ollama-server.md §1.3 examples
    ("", "http://127.0.0.1:11434"),
    ("0.0.0.0", "http://0.0.0.0:11434"),
    ("0.0.0.0:11434", "http://0.0.0.0:11434"),
    (":1234", "http://:1234"),
    ("::1", "http://[::1]:11434"),
    ("[::1]", "http://[::1]:11434"),
    ("example.com", "http://example.com:11434"),
    ("http://1.2.3.4", "http://1.2.3.4:80"),
    ("https://example.com/ollama", "https://example.com:443/ollama"),
    ("ollama.com", "https://ollama.com:443"),
    ("example.com:99999", "http://example.com:11434"),
    ("example.com:abc", "http://example.com:11434"),
    ("'127.0.0.1:9'", "http://127.0.0.1:9"),
])
def test_host_grammar(raw, url):
    assert envconfig.parse_host(raw).url() == url


@pytest.mark.parametrize("value,expected", [("", False), ("1", True), ("false", False), ("off", True), ("no", True), ("yes", True),
                                            ("F", False), ("'0'", False)])
def test_bool_any_unparseable_is_true(monkeypatch, value, expected):
    monkeypatch.setenv("OLLAMA_NOPRUNE", value)
    assert envconfig.bool_env("OLLAMA_NOPRUNE") is expected


@pytest.mark.parametrize("value,expected", [("4", 4), ("-1", 512), ("abc", 512), ("", 512), (" 7 ", 7)])
def test_uint_fallback(monkeypatch, capsys, value, expected):
    monkeypatch.setenv("OLLAMA_MAX_QUEUE", value)
    assert envconfig.max_queue() == expected
    if value.strip() and expected == 512:
        assert "invalid environment variable, using default" in capsys.readouterr().err


@pytest.mark.parametrize("value,ns", [("5m", 300 * 10 ** 9), ("1h30m", 5400 * 10 ** 9), ("0", 0), ("3600", 3600 * 10 ** 9),
                                      ("-1", envconfig.MAX_INT64), ("-1h", envconfig.MAX_INT64), ("bogus", 300 * 10 ** 9),
                                      ("1.5s", 1500 * 10 ** 6)])
def test_keep_alive(monkeypatch, value, ns):
    monkeypatch.setenv("OLLAMA_KEEP_ALIVE", value)
    assert envconfig.keep_alive() == ns


def test_go_duration_format():
    assert envconfig.format_go_duration(300 * 10 ** 9) == "5m0s"
    assert envconfig.format_go_duration(5400 * 10 ** 9) == "1h30m0s"
    assert envconfig.format_go_duration(0) == "0s"


@pytest.mark.parametrize("raw,short", [
    ("llama3.2", "llama3.2:latest"), ("llama3.2:3b", "llama3.2:3b"), ("user/m:tag", "user/m:tag"),
    ("ghcr.io/ns/m:tag", "ghcr.io/ns/m:tag"), ("localhost:5000/ns/m", "localhost:5000/ns/m:latest"),
    ("registry.ollama.ai/library/llama3.2", "llama3.2:latest"),
    ("a/b/c/d", None), ("my.org/m", None), ("m:tag:x", None), ("-m", None), ("m/", None), ("m name", None),
    ("m@sha256:" + "0" * 64, None), ("x" * 81, None), ("", None),
])
def test_names(raw, short):
    n = names.parse_valid(raw)
    assert (n.display_shortest() if n else None) == short


@pytest.mark.parametrize("url,env,proxied", [
    ("http://10.0.0.5:5000/v2/", {"HTTP_PROXY": "http://proxy:3128"}, True),
    ("http://10.0.0.5:5000/v2/", {"HTTPS_PROXY": "http://proxy:3128"}, False),  # HTTP_PROXY only for http registries
    ("https://registry.ollama.ai/v2/", {"HTTPS_PROXY": "proxy:3128"}, True),  # scheme-less proxy gets http://
    ("http://127.0.0.1:5000/v2/", {"HTTP_PROXY": "http://proxy:3128"}, False),  # Go never proxies loopback
    ("http://127.0.0.2:5000/v2/", {"HTTP_PROXY": "http://proxy:3128"}, False),
    ("http://localhost:5000/v2/", {"HTTP_PROXY": "http://proxy:3128"}, False),
    ("http://[::1]:5000/v2/", {"HTTP_PROXY": "http://proxy:3128"}, False),
    ("http://reg.example:5000/v2/", {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "example"}, False),
    ("http://reg.example:5000/v2/", {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": ".example"}, False),
    ("http://reg.example:5000/v2/", {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "other.example"}, True),
    ("http://reg.example:5000/v2/", {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "reg.example:6000"}, True),
    ("http://reg.example:5000/v2/", {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "reg.example:5000"}, False),
    ("http://10.1.2.3:5000/v2/", {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "10.0.0.0/8"}, False),
    ("http://10.1.2.3:5000/v2/", {"http_proxy": "http://proxy:3128", "no_proxy": "*"}, False),
    ("http://10.1.2.3:5000/v2/", {"http_proxy": "http://proxy:3128"}, True),
])
def test_proxy_decision_like_go(url, env, proxied):
    # ollama-server.md §1.6: Go's ProxyFromEnvironment rules.
    assert (pull.proxy_for(url, env) is not None) is proxied


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.mark.parametrize("version,ext", [("0.13.5", "tgz"), (VERSION, "tar.zst")])
def test_release_archives(built, version, ext):
    vdir = os.path.join(built, "v" + version)
    with open(os.path.join(vdir, "sha256sum.txt")) as f:
        lines = f.read().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ")
        assert name.startswith("./")
        listed[name[2:]] = digest
    for arch in ("amd64", "arm64"):
        assert "ollama-linux-%s.%s" % (arch, ext) in listed
    for name, digest in listed.items():
        assert _sha(os.path.join(vdir, name)) == digest
    path = os.path.join(vdir, "ollama-linux-amd64." + ext)
    if ext == "tgz":
        tar = tarfile.open(path, "r:gz")
    else:
        tar = tarfile.open(fileobj=io.BytesIO(subprocess.run(["zstd", "-dc", path], stdout=subprocess.PIPE, check=True).stdout))
    with tar:
        members = {m.name: m for m in tar.getmembers()}
        assert all(not n.startswith(("/", "./", "..")) for n in members)
        assert all(m.uid == 0 and m.gid == 0 for m in members.values())
        assert members["bin/ollama"].mode == 0o755
        assert "lib/ollama/libggml-base.so" in members
        marker = tar.extractfile("lib/ollama/standin/VERSION").read().decode().strip()
        assert marker == version
        assert 'VERSION = "%s"' % version in tar.extractfile("lib/ollama/standin/ollama_standin/_version.py").read().decode()
    if ext == "tar.zst":
        rocm = os.path.join(vdir, "ollama-linux-amd64-rocm.tar.zst")
        raw = subprocess.run(["zstd", "-dc", rocm], stdout=subprocess.PIPE, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(raw)) as t:
            files = [m.name for m in t.getmembers() if m.isfile()]
        assert files and all(f.startswith("lib/ollama/rocm_v7_2/") for f in files)


def test_build_is_reproducible(tmp_path):
    out = str(tmp_path / "out")
    subprocess.run([sys.executable, os.path.join(STANDIN, "build.py"), "--no-images", "--out", out], check=True, timeout=120,
                   stdout=subprocess.PIPE)
    with open(os.path.join(out, "v" + VERSION, "sha256sum.txt")) as f:
        first = f.read()
    r = subprocess.run([sys.executable, os.path.join(STANDIN, "build.py"), "--no-images", "--out", out], check=True, timeout=120,
                       stdout=subprocess.PIPE, universal_newlines=True)
    assert "up to date" in r.stdout  # cached
    subprocess.run([sys.executable, os.path.join(STANDIN, "build.py"), "--no-images", "--force", "--out", out], check=True, timeout=120,
                   stdout=subprocess.PIPE)
    with open(os.path.join(out, "v" + VERSION, "sha256sum.txt")) as f:
        assert f.read() == first


def test_scheduler_never_loads_more_than_max_loaded_models(monkeypatch):
    # OLLAMA_MAX_LOADED_MODELS=1: a second model waits until the first is idle, then replaces it (real Ollama's
    # scheduler); before, the stand-in loaded both and the routing benchmark could not see cold loads.
    import threading
    import types

    from ollama_standin import generate

    monkeypatch.setenv("OLLAMA_MAX_LOADED_MODELS", "1")
    monkeypatch.setenv("OLLAMA_NUM_PARALLEL", "1")
    scheduler = generate.Scheduler()

    def model(name):
        return types.SimpleNamespace(name=types.SimpleNamespace(key=lambda: (name,)), digest="sha256:" + name)

    first = scheduler.acquire(model("a"))
    got = []
    waiter = threading.Thread(target=lambda: got.append(scheduler.acquire(model("b"))))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got, "b must wait while a is running"
    assert [e.key for e in scheduler.running()] == [("a", "sha256:a")]
    scheduler.release(first, None)
    waiter.join(2)
    assert got and [e.key for e in scheduler.running()] == [("b", "sha256:b")]
    scheduler.release(got[0], None)


def test_delete_removes_only_the_models_own_unshared_blobs(tmp_path):
    """Upstream's Manifest.RemoveLayers: a delete removes the deleted model's blobs that no other manifest uses, and
    leaves every other blob, e.g. the finished blobs of a pull that has not written its manifest yet."""
    from ollama_standin import store as store_mod
    st = store_mod.Store(str(tmp_path))
    os.makedirs(st.blobs)
    shared = store_mod.descriptor("application/vnd.ollama.image.model", b"shared weights")
    own = store_mod.descriptor("application/vnd.ollama.image.params", b'{"own": 1}')
    config = store_mod.descriptor("application/vnd.docker.container.image.v1+json", b"{}")
    for data in (b"shared weights", b'{"own": 1}', b"{}"):
        st.write_blob(data)
    in_flight = st.write_blob(b"blob of a pull still running")
    a = names.parse_valid("example.com/library/a:1")
    b = names.parse_valid("example.com/library/b:1")
    st.write_manifest(a, store_mod.manifest_bytes(config, [shared, own]))
    st.write_manifest(b, store_mod.manifest_bytes(config, [shared]))
    st.delete(a)
    assert not st.has_blob(own["digest"])
    assert st.has_blob(shared["digest"]) and st.has_blob(config["digest"])
    assert st.has_blob(in_flight)
