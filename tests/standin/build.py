"""Build release-shaped archives (and optionally docker images) of the Ollama stand-in into build/standin/.

Layout follows ollama-server.md §7.2 (archives: bin/ollama + lib/ollama/..., owner 0:0, relative paths;
.tgz before v0.14, .tar.zst from v0.14; sha256sum.txt lines `<hex>  ./<file>`) and §9 (docker image).
Cached: nothing is rebuilt when the inputs hash is unchanged.  Reproducible: fixed mtimes, sorted members.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PKG = os.path.join(HERE, "ollama_standin")
VERSIONS = ("0.13.5", "0.32.15")
ARCHES = ("amd64", "arm64")
MTIME = int(os.environ.get("SOURCE_DATE_EPOCH", "1767225600"))  # 2026-01-01T00:00:00Z
BASE_IMAGE = os.environ.get("STANDIN_BASE_IMAGE", "localllm-test/debian12-systemd:latest")

LAUNCHER = '''#!/usr/bin/env python3
# Ollama stand-in %(version)s (test double, no inference).  Like the real binary, it finds its
# libraries relative to its resolved path: <exe>/../lib/ollama first, then <exe>/lib/ollama (ollama-server.md §7.2).
import os
import sys

sys.dont_write_bytecode = True
_bin = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))
for _lib in (os.path.join(_bin, "..", "lib", "ollama"), os.path.join(_bin, "lib", "ollama")):
    _pkg = os.path.normpath(os.path.join(_lib, "standin"))
    if os.path.isfile(os.path.join(_pkg, "ollama_standin", "__init__.py")):
        sys.path.insert(0, _pkg)
        break
else:
    sys.stderr.write("Error: ollama stand-in libraries not found (expected %%s/../lib/ollama/standin)\\n" %% _bin)
    sys.exit(1)

from ollama_standin.cli import main  # noqa: E402

sys.exit(main())
'''

VERSION_PY = '''"""Version baked in by tests/standin/build.py."""
from __future__ import annotations

VERSION = "%s"
'''

DOCKERFILE = '''# ollama/ollama:%(version)s stand-in, shaped like upstream's final stage (ollama-server.md §9)
FROM %(base)s
ADD ollama.tar /usr/
RUN rm -f /usr/bin/curl /usr/bin/wget
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64 \\
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \\
    NVIDIA_VISIBLE_DEVICES=all \\
    OLLAMA_HOST=0.0.0.0:11434
EXPOSE 11434
STOPSIGNAL SIGTERM
LABEL org.localllm.standin.inputs="%(inputs)s" org.localllm.standin.version="%(version)s"
ENTRYPOINT ["/bin/ollama"]
CMD ["serve"]
'''


def vtuple(v):
    return tuple(int(x) for x in v.split("."))


def sources():
    return sorted(f for f in os.listdir(PKG) if f.endswith(".py"))


def inputs_hash():
    h = hashlib.sha256()
    for f in sources():
        h.update(f.encode() + b"\0")
        with open(os.path.join(PKG, f), "rb") as fh:
            h.update(fh.read())
    with open(os.path.abspath(__file__), "rb") as fh:
        h.update(fh.read())
    h.update(json.dumps([VERSIONS, ARCHES, MTIME]).encode())
    return h.hexdigest()


def members(version, arch):
    """Archive members: list of (path, mode, bytes or None for a directory)."""
    files = {"bin/ollama": (0o755, (LAUNCHER % {"version": version}).encode())}
    for f in sources():
        data = VERSION_PY % version if f == "_version.py" else open(os.path.join(PKG, f)).read()
        files["lib/ollama/standin/ollama_standin/" + f] = (0o644, data.encode())
    files["lib/ollama/standin/VERSION"] = (0o644, ("%s\n" % version).encode())

    def dummy(path, mode=0o755):
        files["lib/ollama/" + path] = (mode, ("stand-in %s for ollama %s linux-%s (not a real library)\n" % (path, version, arch)).encode())
    dummy("libggml-base.so")
    if arch == "amd64":
        for v in ("x64", "sse42", "haswell", "skylakex", "icelake", "alderlake"):
            dummy("libggml-cpu-%s.so" % v)
    else:
        dummy("libggml-cpu-armv8.0_1.so")
    dummy("cuda_v12/libggml-cuda.so")
    if vtuple(version) >= (0, 12, 0):
        dummy("cuda_v13/libggml-cuda.so")
    if vtuple(version) >= (0, 30, 0):
        dummy("llama-server")
        dummy("llama-quantize")
        if arch == "amd64":
            dummy("vulkan/libggml-vulkan.so")
    return files


def rocm_members(version):
    return {"lib/ollama/rocm_v7_2/libggml-hip.so": (0o755, ("stand-in rocm library for ollama %s\n" % version).encode())}


def tar_bytes(files):
    dirs = set()
    for path in files:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in sorted(dirs | set(files)):
            info = tarfile.TarInfo(path)
            info.mtime = MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if path in files:
                mode, data = files[path]
                info.mode = mode
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
    return buf.getvalue()


def compress(raw, kind):
    if kind == "tgz":
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(raw)
        return buf.getvalue()
    zstd = shutil.which("zstd")
    if not zstd:
        sys.exit("build.py: the zstd binary is needed for >= 0.14 archives (apt-get install zstd)")
    return subprocess.run([zstd, "-q", "-19", "-T1", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout


def build_archives(out, digest):
    for version in VERSIONS:
        vdir = os.path.join(out, "v" + version)
        os.makedirs(vdir, exist_ok=True)
        ext = "tgz" if vtuple(version) < (0, 14, 0) else "tar.zst"
        written = {}
        for arch in ARCHES:
            written["ollama-linux-%s.%s" % (arch, ext)] = compress(tar_bytes(members(version, arch)), "tgz" if ext == "tgz" else "zst")
        if ext == "tar.zst":
            written["ollama-linux-amd64-rocm.tar.zst"] = compress(tar_bytes(rocm_members(version)), "zst")
        for name, data in written.items():
            with open(os.path.join(vdir, name + ".tmp"), "wb") as f:
                f.write(data)
            os.replace(os.path.join(vdir, name + ".tmp"), os.path.join(vdir, name))
        with open(os.path.join(vdir, "sha256sum.txt"), "w") as f:
            for name in sorted(written):
                f.write("%s  ./%s\n" % (hashlib.sha256(written[name]).hexdigest(), name))
        # uncompressed amd64 payload for the docker image build context
        ddir = os.path.join(out, "docker", version)
        os.makedirs(ddir, exist_ok=True)
        with open(os.path.join(ddir, "ollama.tar"), "wb") as f:
            f.write(tar_bytes(members(version, "amd64")))
        with open(os.path.join(ddir, "Dockerfile"), "w") as f:
            f.write(DOCKERFILE % {"version": version, "base": BASE_IMAGE, "inputs": digest})
        print("standin: built %s (%s)" % (vdir, ", ".join(sorted(written))))


def docker_ok():
    return shutil.which("docker") and subprocess.run(["docker", "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode == 0


def image_label(tag):
    r = subprocess.run(["docker", "image", "inspect", "-f", '{{ index .Config.Labels "org.localllm.standin.inputs" }}', tag],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, check=False)
    return r.stdout.strip() if r.returncode == 0 else ""


def build_images(out, digest, force):
    if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode:
        sys.exit("build.py: base image %s is missing; run `make images` first (or pass --no-images)" % BASE_IMAGE)
    base_id = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", BASE_IMAGE], stdout=subprocess.PIPE,
                             universal_newlines=True, check=False).stdout.strip()
    key = hashlib.sha256((digest + base_id).encode()).hexdigest()
    for version in VERSIONS:
        tag = "ollama/ollama:%s" % version
        ddir = os.path.join(out, "docker", version)
        with open(os.path.join(ddir, "Dockerfile"), "w") as f:
            f.write(DOCKERFILE % {"version": version, "base": BASE_IMAGE, "inputs": key})
        if not force and image_label(tag) == key:
            print("standin: image %s up to date" % tag)
            continue
        env = dict(os.environ, DOCKER_BUILDKIT="0")
        r = subprocess.run(["docker", "build", "-q", "-t", tag, ddir], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, check=False)
        if r.returncode:
            sys.stderr.write(r.stdout)
            sys.exit("build.py: docker build of %s failed" % tag)
        print("standin: built image %s" % tag)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=os.path.join(REPO, "build", "standin"))
    p.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--images", dest="images", action="store_const", const="yes", help="build docker images (fail without docker)")
    g.add_argument("--no-images", dest="images", action="store_const", const="no", help="archives only")
    a = p.parse_args(argv)
    images = a.images or os.environ.get("STANDIN_IMAGES", "auto")
    out = os.path.abspath(a.out)
    digest = inputs_hash()
    stamp = os.path.join(out, ".inputs")
    expected = [os.path.join(out, "v" + v, "sha256sum.txt") for v in VERSIONS]
    cached = not a.force and os.path.isfile(stamp) and open(stamp).read().strip() == digest and all(map(os.path.isfile, expected))
    if cached:
        print("standin: archives up to date (%s)" % out)
    else:
        os.makedirs(out, exist_ok=True)
        build_archives(out, digest)
        with open(stamp, "w") as f:
            f.write(digest + "\n")
    if images == "no" or images == "0":
        return 0
    if not docker_ok():
        if images == "yes" or images == "1":
            sys.exit("build.py: docker is not answering (start dockerd) and --images was given")
        print("standin: docker not available, images skipped")
        return 0
    build_images(out, digest, a.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
