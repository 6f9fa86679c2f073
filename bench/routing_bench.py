# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Routing benchmark (issue 13): gateway_routing least_conn vs model_affinity on the same lab, in the same run.

The lab (scripts/lab.py, layout tests/lab/layouts/routing-bench.yml): 2 stand-in servers that both have models A
and B, OLLAMA_MAX_LOADED_MODELS=1 and a stand-in load delay of 2 s, behind 1 gateway. For each policy the gateway
is re-converged (site.yml --limit ollama_gateways -e gateway_routing=POLICY), both servers are restarted (nothing
loaded), and CLIENTS clients each send their share of one seeded random A/B sequence (REQUESTS per client, the
same sequence for both policies) as non-streamed /api/generate requests through the gateway. Reported per policy:
  - cold loads: answers whose load_duration is at least half the load delay. The stand-in sleeps the load delay
    only in the request that loads a model (tests/standin/ollama_standin/generate.py, Scheduler.acquire); every
    other request's load_duration is its wait for a slot (milliseconds here: NUM_PARALLEL 4 >= CLIENTS per model);
    the minimum is one load per model and backend that serves it (2 when each model stays on one backend);
  - p50 / p95 / max latency and failures.
Then the gateway's own added latency per request, routing on (model_affinity) vs off (least_conn): from inside
the gateway container, LATENCY_N sequential requests on one keep-alive connection each through the gateway (TLS,
auth) and directly to a backend, p50 of both and the difference, for POST /api/show (routed: the body is read
for the model) and GET /api/version (not routed; on the stand-in its answers stall about 22 ms on a kept-alive
connection, direct and through nginx alike, so only its raw numbers are printed).

  python bench/routing_bench.py [--name routebench] [--clients 4] [--requests 30] [--seed 13] [--keep]
Writes build/bench/routing.json and prints markdown tables. Bounded: about 4 minutes. Goals (issue 13, not
asserted): cold loads close to the minimum, p95 at least 5x lower than least_conn, <= 1 ms p50 added.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fleet"))
import fleetclient  # noqa: E402  pylint: disable=wrong-import-position
from run import Lab  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = ("least_conn", "model_affinity")
LOAD_DELAY_S = 2.0          # OLLAMA_STANDIN_LOAD_DELAY_MS of tests/lab/layouts/routing-bench.yml
LATENCY_N = 500

# Runs inside the gateway container (python3 is there for Ansible): the same requests through nginx and directly.
LATENCY_SCRIPT = r"""
import http.client, json, ssl, statistics, sys, time
gw, backend, key, model, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ctx = ssl._create_unverified_context()
out = {}
for label, conn_of, auth in (("gateway", lambda: http.client.HTTPSConnection(gw, 443, context=ctx, timeout=10),
                              {"Authorization": "Bearer " + key}),
                             ("direct", lambda: http.client.HTTPConnection(backend, 11434, timeout=10), {})):
    for name, method, path, body in (("version", "GET", "/api/version", None),
                                     ("show", "POST", "/api/show", json.dumps({"model": model}))):
        conn = conn_of()
        times, bad = [], 0
        for i in range(n + 20):
            headers = dict(auth)
            if body:
                headers["Content-Type"] = "application/json"
            t = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            dt = time.perf_counter() - t
            if r.status != 200:
                bad += 1
            if i >= 20:
                times.append(dt * 1000)
        conn.close()
        times.sort()
        out["%s_%s" % (label, name)] = {"p50_ms": round(statistics.median(times), 3),
                                        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3), "failed": bad}
print(json.dumps(out))
"""


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


def sequence(seed, clients, requests, models):
    """The seeded random A/B sequence, dealt to the clients: [[model, ...] per client]."""
    rng = random.Random(seed)
    return [[rng.choice(models) for _i in range(requests)] for _c in range(clients)]


def one_request(url, key, cafile, model):
    """A non-streamed /api/generate; returns (ok, seconds, load_duration seconds or None, reason)."""
    start = time.monotonic()
    reply = fleetclient.call(url, key, "POST", "/api/generate",
                             {"model": model, "prompt": "Count.", "stream": False, "options": {"num_predict": 5}},
                             cafile=cafile, timeout=120)
    seconds = time.monotonic() - start
    if reply.status != 200 or not isinstance(reply.json, dict) or not reply.json.get("done"):
        return False, seconds, None, repr(reply)
    return True, seconds, reply.json.get("load_duration", 0) / 1e9, ""


def workload(url, key, cafile, plan):
    results = []
    lock = threading.Lock()

    def client(models):
        for model in models:
            found = one_request(url, key, cafile, model)
            with lock:
                results.append((model,) + found)

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(models,), daemon=True) for models in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - start


def converge_gateway(lab, policy):
    seconds, _recap = lab.playbook("site.yml", "--limit", "ollama_gateways", "-e", "gateway_routing=%s" % policy,
                                   log="site-gateway-%s.log" % policy)
    return seconds


def restart_servers(lab, servers, url, key, cafile, models):
    """Both servers restarted (nothing loaded), and answering through the gateway again."""
    for server in servers:
        lab.exec(server, "systemctl", "restart", "ollama")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probes = [fleetclient.call(url, key, "POST", "/api/show", {"model": m}, cafile=cafile) for m in models]
        if all(p.status == 200 for p in probes):
            break
        time.sleep(0.5)
    time.sleep(5)  # the gateway's health and model tables catch up with the restarted servers
    for server in servers:
        loaded = json.loads(lab.exec(server, "curl", "-sf", "http://127.0.0.1:11434/api/ps"))["models"]
        if loaded:
            raise SystemExit("FAIL: %s has models loaded after its restart: %s" % (server, loaded))


def policy_point(lab, servers, url, key, cafile, models, plan, policy):
    converge_s = converge_gateway(lab, policy)
    restart_servers(lab, servers, url, key, cafile, models)
    results, wall = workload(url, key, cafile, plan)
    ok = [r for r in results if r[1]]
    latencies = [r[2] for r in ok]
    cold = [r for r in ok if r[3] is not None and r[3] >= LOAD_DELAY_S / 2]
    per_server = {}
    for server in servers:
        loaded = json.loads(lab.exec(server, "curl", "-sf", "http://127.0.0.1:11434/api/ps"))["models"]
        per_server[server.rsplit("-", 1)[-1]] = sorted(m["name"].rsplit("/", 1)[-1] for m in loaded)
    point = {"policy": policy, "requests": len(results), "failed": len(results) - len(ok),
             "failures": [r[4] for r in results if not r[1]][:5], "cold_loads": len(cold),
             "cold_loads_per_model": {m.rsplit("/", 1)[-1]: sum(1 for r in cold if r[0] == m) for m in models},
             "p50_s": round(statistics.median(latencies), 3) if latencies else None,
             "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
             "max_s": round(max(latencies), 3) if latencies else None,
             "wall_s": round(wall, 1), "gateway_converge_s": round(converge_s, 1), "loaded_at_end": per_server}
    print("%(policy)s: %(requests)d requests, %(failed)d failed, %(cold_loads)d cold loads %(cold_loads_per_model)s, "
          "p50 %(p50_s)s s, p95 %(p95_s)s s, max %(max_s)s s, wall %(wall_s)s s; loaded at the end %(loaded_at_end)s"
          % point)
    return point


def gateway_latency(lab, gateway, server, key, model):
    out = subprocess.run(["docker", "exec", "-i", gateway, "python3", "-", lab.ip(gateway), lab.ip(server), key, model,
                          str(LATENCY_N)], input=LATENCY_SCRIPT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit("FAIL: the latency probe in %s: %s" % (gateway, out.stderr[-2000:]))
    found = json.loads(out.stdout)
    for name in ("version", "show"):
        found["added_%s_p50_ms" % name] = round(found["gateway_%s" % name]["p50_ms"]
                                                - found["direct_%s" % name]["p50_ms"], 3)
    return found


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="routebench", help="lab name")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=30, help="requests per client")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--version", default="0.32.15")
    parser.add_argument("--gateway-image", default="", help="image of the gateway (default: Debian 12)")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    args = parser.parse_args(argv)
    policies = args.policies.split(",")

    lab = Lab(args.name)
    servers = ["%s-server1" % args.name, "%s-server2" % args.name]
    gateway = "%s-gw1" % args.name
    t0 = time.monotonic()
    lab.script("down", args.name)
    lab.script("up", args.name, "--servers", "2", "--gateways", "1", "--version", args.version,
               "--layout", "routing-bench", *(["--gateway-image", args.gateway_image] if args.gateway_image else []))
    results = {"clients": args.clients, "requests_per_client": args.requests, "seed": args.seed,
               "load_delay_s": LOAD_DELAY_S, "policies": [], "latency": {}}
    try:
        seconds, _recap = lab.playbook("site.yml", "-e", "gateway_routing=%s" % policies[0], log="site-1.log")
        results["converge_s"] = round(seconds, 1)
        registry = lab.ip("%s-registry" % args.name)
        models = ["%s:5000/library/tinyllama:latest" % registry, "%s:5000/acme/tinycoder:1b" % registry]
        url = "https://%s" % lab.ip(gateway)
        cafile = lab.gateway_ca(gateway)
        key = lab.api_key()
        plan = sequence(args.seed, args.clients, args.requests, models)
        results["sequence_counts"] = {m.rsplit("/", 1)[-1]: sum(c.count(m) for c in plan) for m in models}
        for policy in policies:
            point = policy_point(lab, servers, url, key, cafile, models, plan, policy)
            point["latency"] = gateway_latency(lab, gateway, servers[0], key, models[0])
            print("  gateway added p50: /api/show %(added_show_p50_ms)s ms (/api/version %(added_version_p50_ms)s ms)"
                  % point["latency"])
            results["policies"].append(point)
    finally:
        if not args.keep:
            lab.script("down", args.name)
    results["wall_s"] = round(time.monotonic() - t0, 1)

    os.makedirs(os.path.join(REPO, "build", "bench"), exist_ok=True)
    with open(os.path.join(REPO, "build", "bench", "routing.json"), "w") as handle:
        json.dump(results, handle, indent=2)
    print("\n%d clients x %d requests, seed %d, A/B %s, 2 servers with A and B, OLLAMA_MAX_LOADED_MODELS=1, "
          "load delay %.0f s:\n" % (args.clients, args.requests, args.seed, results["sequence_counts"], LOAD_DELAY_S))
    print("| policy | requests | failed | cold loads (min 2) | p50 (s) | p95 (s) | max (s) | wall (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for p in results["policies"]:
        print("| %(policy)s | %(requests)d | %(failed)d | %(cold_loads)d | %(p50_s)s | %(p95_s)s | %(max_s)s | "
              "%(wall_s)s |" % p)
    by = {p["policy"]: p for p in results["policies"]}
    if "least_conn" in by and "model_affinity" in by and by["model_affinity"]["p95_s"]:
        print("\np95 least_conn / model_affinity: %.1fx (goal >= 5x)" % (
            by["least_conn"]["p95_s"] / by["model_affinity"]["p95_s"]))
    print("\nGateway latency, %d sequential requests on one keep-alive connection, p50 in ms (inside the gateway "
          "container):\n" % LATENCY_N)
    print("| policy | /api/show direct | through gateway | added (goal <= 1 ms) | /api/version direct | through gateway |")
    print("|---|---|---|---|---|---|")
    for p in results["policies"]:
        lat = p["latency"]
        print("| %s | %s | %s | %s | %s | %s |" % (
            p["policy"], lat["direct_show"]["p50_ms"], lat["gateway_show"]["p50_ms"], lat["added_show_p50_ms"],
            lat["direct_version"]["p50_ms"], lat["gateway_version"]["p50_ms"]))


if __name__ == "__main__":
    main(sys.argv[1:])
