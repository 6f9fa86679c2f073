# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Gateway overhead benchmark (issue 6): what localllm.ollama.gateway adds on top of talking to Ollama directly.

Measures, in one bounded run, against OUR OWN test containers only:
  1. per-chunk delay of a streamed /api/generate: inter-chunk gaps through the gateway (TLS + Bearer auth) vs
     direct, paired chunk by chunk (same prompt -> same tokens), p50/p99 of the gaps and of the added delay;
  2. small-request throughput (GET /api/version) at 64 concurrent connections, through the gateway vs direct.
Prints a markdown table. Not run in CI (timings depend on the machine); goals: p99 added <= 5 ms, ratio >= 0.8.

Typical use, with the molecule `gateway` scenario converged (`molecule converge -s gateway`):
    .venv/bin/python bench/gateway_bench.py --molecule
which reads the container addresses with `docker inspect`, pebble's root from the client container, and uses the
scenario's API key. The scenario exempts the controller's address from the rate limit.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

SCENARIO_KEY = "app-0123456789abcdef0123456789abcdef"
SCENARIO_MODEL = "127.0.0.1:5000/library/tinyllama:latest"
SCENARIO_NAME = "gw.gateway.test"


def _docker_ip(name):
    out = subprocess.run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[0]


def _molecule_defaults(args):
    gw_ip = _docker_ip("gateway-gw")
    backend_ip = _docker_ip("gateway-backend")
    root = subprocess.run(
        ["docker", "exec", "gateway-client", "curl", "-sSk", "https://acme.gateway.test:15000/roots/0"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "BEGIN CERTIFICATE" not in root:
        sys.exit("could not read pebble's root from gateway-client")
    ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
    ca.write(root)
    ca.close()
    args.gateway = args.gateway or "https://%s" % SCENARIO_NAME
    args.resolve = args.resolve or "%s=%s" % (SCENARIO_NAME, gw_ip)
    args.direct = args.direct or "http://%s:11434" % backend_ip
    args.ca = args.ca or ca.name
    args.key = args.key or SCENARIO_KEY
    args.model = args.model or SCENARIO_MODEL


def _install_resolve(spec):
    """NAME=IP for this process only (SNI and certificate checks keep using NAME)."""
    if not spec:
        return
    name, address = spec.split("=", 1)
    real = socket.getaddrinfo

    def fake(host, *a, **kw):
        return real(address if host == name else host, *a, **kw)

    socket.getaddrinfo = fake


def _pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100.0 * (len(ordered) - 1)))))
    return ordered[index]


def _stream_times(client, base, headers, model, prompt):
    times = []
    start = time.perf_counter()
    with client.stream(
        "POST", base + "/api/generate", headers=headers, json={"model": model, "prompt": prompt, "stream": True}
    ) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.strip():
                times.append(time.perf_counter() - start)
    return times


def bench_streaming(args, verify):
    gw_headers = {"Authorization": "Bearer " + args.key}
    gaps = {"direct": [], "gateway": []}
    added = []
    ttfb = {"direct": [], "gateway": []}
    with httpx.Client(verify=verify, timeout=60) as gw_client, httpx.Client(timeout=60) as direct_client:
        for run in range(args.streams):
            prompt = "benchmark prompt %d" % run
            direct = _stream_times(direct_client, args.direct, {}, args.model, prompt)
            through = _stream_times(gw_client, args.gateway, gw_headers, args.model, prompt)
            ttfb["direct"].append(direct[0])
            ttfb["gateway"].append(through[0])
            d_gaps = [b - a for a, b in zip(direct, direct[1:])]
            g_gaps = [b - a for a, b in zip(through, through[1:])]
            gaps["direct"] += d_gaps
            gaps["gateway"] += g_gaps
            added += [g - d for g, d in zip(g_gaps, d_gaps)]
    return gaps, added, ttfb


async def _throughput(base, headers, verify, total, concurrency, max_seconds, resolve=None):
    extensions = {}
    if resolve:
        # asyncio resolves names in its own way: connect to the address, keep the name for SNI, Host and the check
        name, address = resolve.split("=", 1)
        if "://%s" % name in base:
            base = base.replace("://%s" % name, "://%s" % address, 1)
            headers = dict(headers, Host=name)
            extensions = {"sni_hostname": name}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    done = 0
    errors = 0
    deadline = time.perf_counter() + max_seconds
    async with httpx.AsyncClient(verify=verify, limits=limits, timeout=30, headers=headers) as client:
        counter = iter(range(total))

        async def worker():
            nonlocal done, errors
            for _request in counter:
                if time.perf_counter() > deadline:
                    return
                response = await client.get(base + "/api/version", extensions=extensions)
                if response.status_code == 200:
                    done += 1
                else:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _worker in range(concurrency)))
        elapsed = time.perf_counter() - start
    return done / elapsed, done, errors, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--molecule", action="store_true", help="use the converged molecule `gateway` scenario")
    parser.add_argument("--gateway", help="gateway base URL, e.g. https://gw.gateway.test")
    parser.add_argument("--resolve", help="NAME=IP to reach the gateway name without DNS")
    parser.add_argument("--direct", help="direct Ollama base URL, e.g. http://10.0.0.5:11434")
    parser.add_argument("--ca", help="CA file that verifies the gateway certificate")
    parser.add_argument("--key", help="API key for the gateway")
    parser.add_argument("--model", help="model to stream from")
    parser.add_argument("--streams", type=int, default=5, help="streamed generations per path (default 5)")
    parser.add_argument("--requests", type=int, default=3000, help="small requests per path (default 3000)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time bound per throughput run")
    args = parser.parse_args(argv)
    if args.molecule:
        _molecule_defaults(args)
    missing = [n for n in ("gateway", "direct", "key", "model") if not getattr(args, n)]
    if missing:
        parser.error("missing --" + ", --".join(missing) + " (or use --molecule)")
    args.streams = max(1, min(args.streams, 50))
    args.requests = max(1, min(args.requests, 20000))
    _install_resolve(args.resolve)
    verify = ssl.create_default_context(cafile=args.ca) if args.ca else True

    gaps, added, ttfb = bench_streaming(args, verify)
    direct_rps, d_ok, d_err, d_s = asyncio.run(
        _throughput(args.direct, {}, True, args.requests, args.concurrency, args.max_seconds)
    )
    gw_rps, g_ok, g_err, g_s = asyncio.run(
        _throughput(
            args.gateway,
            {"Authorization": "Bearer " + args.key},
            verify,
            args.requests,
            args.concurrency,
            args.max_seconds,
            args.resolve,
        )
    )

    ms = 1000.0
    print("| metric | direct | gateway | added / ratio |")
    print("|---|---:|---:|---:|")
    print("| stream chunks measured | %d | %d | |" % (len(gaps["direct"]), len(gaps["gateway"])))
    print(
        "| inter-chunk gap p50 (ms) | %.2f | %.2f | %+.2f |"
        % (_pct(gaps["direct"], 50) * ms, _pct(gaps["gateway"], 50) * ms, _pct(added, 50) * ms)
    )
    print(
        "| inter-chunk gap p99 (ms) | %.2f | %.2f | %+.2f (p99 of per-chunk added delay) |"
        % (_pct(gaps["direct"], 99) * ms, _pct(gaps["gateway"], 99) * ms, _pct(added, 99) * ms)
    )
    print(
        "| time to first chunk, median (ms) | %.1f | %.1f | %+.1f |"
        % (
            statistics.median(ttfb["direct"]) * ms,
            statistics.median(ttfb["gateway"]) * ms,
            (statistics.median(ttfb["gateway"]) - statistics.median(ttfb["direct"])) * ms,
        )
    )
    print(
        "| GET /api/version at %d connections (req/s) | %.0f | %.0f | %.2fx |"
        % (args.concurrency, direct_rps, gw_rps, gw_rps / direct_rps if direct_rps else float("nan"))
    )
    print(
        "| requests ok / errors / seconds | %d / %d / %.1f | %d / %d / %.1f | |" % (d_ok, d_err, d_s, g_ok, g_err, g_s)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
