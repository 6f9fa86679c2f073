# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Model mirror benchmark (issue 14): time and registry bytes for N servers to get one model, each from the
upstream-like registry vs from a site mirror.

Everything runs as loopback processes on this machine, no containers:
  - the upstream-like registry: tests/standin/registry.py with library/bigmodel at --model-mb MiB and a bandwidth
    limit, --link-bps for all its blob bytes together (a site's shared internet link, the default) and/or
    --throttle-bps per request (OLLAMA_STANDIN_REGISTRY_THROTTLE_BPS);
  - the site mirror: Debian's docker-registry (CNCF distribution 2.8, scripts/ensure-registry.sh) with its redirect
    storage middleware to a blob host (tests/standin/registry.py --files on its storage directory, under the name
    localhost while the registry is 127.0.0.1), unthrottled (the site's LAN);
  - N stand-in Ollama servers (tests/standin, from source) and one seeder, each with its own empty models dir.
For each N in --sizes: (a) direct: the N servers pull the model from the upstream-like registry at the same time;
(b) mirror: the seeder pulls it from the upstream-like registry and pushes it into the mirror (POST /api/push,
insecure), then the N servers pull it from the mirror at the same time. Reported: wall seconds (the mirror's
including the seeding), the upstream-like registry's blob bytes (its GET /standin/stats) and the mirror blob
host's bytes. Servers are started before the clock starts; every pull must end in `success`.

  python bench/mirror_bench.py [--sizes 1,2,4] [--model-mb 16] [--link-bps 8000000] [--throttle-bps 0]
Writes build/bench/mirror.json and prints a markdown table. Bounded: every pull times out after --timeout s; the
defaults take about a minute. Goal (issue 14, not asserted): the registry carries the model's bytes once with the
mirror, N times without.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDIN = os.path.join(REPO, "tests", "standin")
MODEL = "library/bigmodel"
STANDIN_VERSION = "0.32.15"


def load_distribution():
    """tests/support/distribution.py (the real registry on a free loopback port), imported by path."""
    spec = importlib.util.spec_from_file_location("mirror_bench_distribution", os.path.join(REPO, "tests", "support", "distribution.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse_sizes(text):
    sizes = [int(x) for x in text.split(",") if x.strip()]
    if not sizes or any(n < 1 or n > 16 for n in sizes):
        raise argparse.ArgumentTypeError("--sizes: a comma list of server counts from 1 to 16, got %r" % text)
    return sizes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", "Host": "127.0.0.1:%d" % port})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def wait_ready(port, path, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("process on port %d exited with %s" % (port, proc.returncode))
        try:
            if request(port, "GET", path, timeout=2)[0] == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not answer %s" % (port, path))


class Procs:
    """The processes this run started; stop() ends exactly those."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def start(self, args, env, ready):
        port = free_port()
        log = open(os.path.join(self.workdir, "proc-%d.log" % port), "wb")
        proc = subprocess.Popen([a.replace("{port}", str(port)) for a in args], env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((proc, log))
        wait_ready(port, ready, proc)
        return port

    def registry(self, *args):
        return self.start([sys.executable, os.path.join(STANDIN, "registry.py"), "--host", "127.0.0.1", "--port", "{port}"]
                          + list(args), dict(os.environ), "/standin/stats")

    def server(self):
        home = tempfile.mkdtemp(prefix="home-", dir=self.workdir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
        env.update({"HOME": home, "PYTHONPATH": STANDIN, "PYTHONDONTWRITEBYTECODE": "1", "OLLAMA_STANDIN_VERSION": STANDIN_VERSION})
        port = free_port()
        env["OLLAMA_HOST"] = "127.0.0.1:%d" % port
        log = open(os.path.join(home, "serve.log"), "wb")
        proc = subprocess.Popen([sys.executable, "-m", "ollama_standin", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=STANDIN)
        self.procs.append((proc, log))
        wait_ready(port, "/api/version", proc)
        return port

    def stop(self, keep=0):
        """Ends the processes started after the first KEEP."""
        for proc, log in reversed(self.procs[keep:]):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()
        self.procs = self.procs[:keep]


def pull(port, name, timeout):
    status, body = request(port, "POST", "/api/pull", {"model": name, "insecure": True, "stream": False}, timeout=timeout)
    if status != 200 or json.loads(body) != {"status": "success"}:
        raise RuntimeError("pull %s on :%d: %d %s" % (name, port, status, body.decode(errors="replace")))


def pull_all(ports, name, timeout):
    """All servers pull NAME at the same time; returns the wall seconds until the last one is done."""
    errors = []

    def one(port):
        try:
            pull(port, name, timeout)
        except (OSError, RuntimeError, ValueError) as e:
            errors.append(str(e))
    threads = [threading.Thread(target=one, args=(p,)) for p in ports]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    if errors:
        raise RuntimeError("; ".join(errors))
    return wall


def stats(port):
    return json.loads(request(port, "GET", "/standin/stats")[1])


def model_size(reg_port):
    listing = json.loads(request(reg_port, "GET", "/standin/models")[1])
    return [x["size"] for x in listing if x["name"] == MODEL + ":latest"][0]


def point(procs, dist_mod, reg_port, n, timeout):
    """One row: direct then mirror, each with fresh servers (and a fresh mirror)."""
    upstream = "127.0.0.1:%d/%s" % (reg_port, MODEL)
    servers = [procs.server() for _i in range(n)]
    before = stats(reg_port)
    direct_s = pull_all(servers, upstream, timeout)
    direct_bytes = stats(reg_port)["blob_bytes_served"] - before["blob_bytes_served"]

    mdir = tempfile.mkdtemp(prefix="mirror-", dir=procs.workdir)
    storage = os.path.join(mdir, "storage")
    os.makedirs(storage)
    files_port = procs.registry("--files", storage)
    dist = dist_mod.Distribution(mdir, redirect_baseurl="http://localhost:%d/" % files_port)
    try:
        seeder = procs.server()
        servers = [procs.server() for _i in range(n)]
        mirror = "127.0.0.1:%s/%s" % (dist.url.rsplit(":", 1)[1], MODEL)
        before = stats(reg_port)
        t0 = time.monotonic()
        pull(seeder, upstream, timeout)
        status, body = request(seeder, "POST", "/api/copy", {"source": upstream, "destination": mirror})
        if status != 200:
            raise RuntimeError("copy on the seeder: %d %s" % (status, body))
        status, body = request(seeder, "POST", "/api/push", {"model": mirror, "insecure": True, "stream": False}, timeout=timeout)
        if status != 200 or json.loads(body) != {"status": "success"}:
            raise RuntimeError("push to the mirror: %d %s" % (status, body))
        seed_s = time.monotonic() - t0
        files_before = stats(files_port)
        mirror_pull_s = pull_all(servers, mirror, timeout)
        mirror_bytes = stats(reg_port)["blob_bytes_served"] - before["blob_bytes_served"]
        lan_bytes = stats(files_port)["blob_bytes_served"] - files_before["blob_bytes_served"]
    finally:
        dist.stop()
    return {"servers": n, "direct_s": round(direct_s, 2), "direct_registry_bytes": direct_bytes,
            "mirror_s": round(seed_s + mirror_pull_s, 2), "seed_s": round(seed_s, 2), "mirror_pull_s": round(mirror_pull_s, 2),
            "mirror_registry_bytes": mirror_bytes, "mirror_blob_host_bytes": lan_bytes}


def mb(n):
    return "%.1f MB" % (n / 1e6)


def table(rows, size):
    out = ["| servers | direct (s) | direct: registry bytes | mirror incl. seeding (s) | seeding (s) | mirror: registry bytes | mirror: blob host bytes |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %d | %.2f | %s (%.1f× the model) | %.2f | %.2f | %s (%.1f×) | %s |" % (
            r["servers"], r["direct_s"], mb(r["direct_registry_bytes"]), r["direct_registry_bytes"] / float(size),
            r["mirror_s"], r["seed_s"], mb(r["mirror_registry_bytes"]), r["mirror_registry_bytes"] / float(size),
            mb(r["mirror_blob_host_bytes"])))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1, 2, 4], help="server counts, comma list (default 1,2,4)")
    parser.add_argument("--model-mb", type=float, default=16, help="size of the model layer in MiB, 6 to 64 (default 16)")
    parser.add_argument("--link-bps", type=int, default=int(os.environ.get("OLLAMA_STANDIN_REGISTRY_LINK_BPS", "8000000")),
                        help="the registry's shared link, bytes/s (default $OLLAMA_STANDIN_REGISTRY_LINK_BPS or 8000000)")
    parser.add_argument("--throttle-bps", type=int, default=int(os.environ.get("OLLAMA_STANDIN_REGISTRY_THROTTLE_BPS", "0")),
                        help="the registry's limit per request, bytes/s (default $OLLAMA_STANDIN_REGISTRY_THROTTLE_BPS or 0: none)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed per pull (default 120)")
    parser.add_argument("--out", default=os.path.join(REPO, "build", "bench", "mirror.json"))
    args = parser.parse_args(argv)
    if not 6 <= args.model_mb <= 64:
        parser.error("--model-mb must be from 6 to 64")
    if args.link_bps <= 0 and args.throttle_bps <= 0:
        parser.error("give the registry a limit: --link-bps or --throttle-bps")
    dist_mod = load_distribution()
    workdir = tempfile.mkdtemp(prefix="mirror-bench-")
    procs = Procs(workdir)
    rows = []
    try:
        reg_port = procs.registry("--big-size-mb", str(args.model_mb), "--link-bps", str(args.link_bps),
                                  "--throttle-bps", str(args.throttle_bps))
        size = model_size(reg_port)
        for n in args.sizes:
            rows.append(point(procs, dist_mod, reg_port, n, args.timeout))
            print("servers=%d done: %s" % (n, json.dumps(rows[-1])), file=sys.stderr)
            procs.stop(keep=1)  # the upstream-like registry stays; this row's servers and blob host go
    finally:
        procs.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    result = {"model": MODEL, "model_bytes": size, "link_bps": args.link_bps, "throttle_bps": args.throttle_bps, "rows": rows}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print("model %s: %s; registry limit: %s\n" % (MODEL, mb(size), ", ".join(
        x for x in ("%s/s shared" % mb(args.link_bps) if args.link_bps else "", "%s/s per request" % mb(args.throttle_bps) if args.throttle_bps else "") if x)))
    print(table(rows, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
