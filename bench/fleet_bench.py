# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet benchmarks on labs of systemd containers (scripts/lab.py, offline stand-in), for the README:

 1. converge wall time of site.yml for 1, 3 and 6 servers behind one gateway, and the re-run on the converged
    lab: changed count per host (must be 0) and re-run time / converge time;
 2. throughput through the gateway with 1, 2 and 3 servers at a fixed per-request service time (the stand-in
    streams num_predict tokens at OLLAMA_STANDIN_TOKEN_DELAY_MS each): servers are taken out of the upstream with
    the gateway's drain tool, and `concurrency per server` x N clients send generations for a fixed time.

  python bench/fleet_bench.py [--sizes 1,3,6] [--seconds 30] [--keep]
Writes build/bench/fleet.json and prints markdown tables. Bounded: at most --seconds of load per point.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fleet"))
import fleetclient  # noqa: E402  pylint: disable=wrong-import-position
from run import Lab  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def converge_point(servers):
    lab = Lab("bench%d" % servers)
    lab.script("down", lab.name)
    lab.script("up", lab.name, "--servers", str(servers), "--gateways", "1")
    first, recap1 = lab.playbook("site.yml", log="site-1.log")
    second, recap2 = lab.playbook("site.yml", log="site-2.log")
    return lab, {"servers": servers, "hosts": len(recap1), "converge_s": round(first, 1),
                 "rerun_s": round(second, 1), "rerun_ratio": round(second / first, 2),
                 "rerun_changed": recap2}


def drain(lab, gateway, server, command):
    address = lab.ip(server)
    lab.exec(gateway, "/usr/local/sbin/ollama-gateway-upstream", command, "%s:11434" % address,
             *(["--wait", "120"] if command == "drain" else []))


def throughput(lab, seconds, per_server, num_predict):
    gateway = "%s-gw1" % lab.name
    servers = sorted(s for s in subprocess.run(
        ["docker", "ps", "--format", "{{.Names}}", "--filter", "label=localllm.lab=%s" % lab.name],
        capture_output=True, text=True, check=True).stdout.split() if "-server" in s)
    url = "https://%s" % lab.ip(gateway)
    cafile = lab.gateway_ca(gateway)
    model = "%s:5000/library/tinyllama:latest" % lab.ip("%s-registry" % lab.name)
    points = []
    for server in servers[1:]:
        drain(lab, gateway, server, "drain")
    for active in range(1, len(servers) + 1):
        if active > 1:
            drain(lab, gateway, servers[active - 1], "enable")
        # warm up (connections, model load), then measure
        fleetclient.Load(url, lab.api_key(), model, workers=per_server * active, num_predict=num_predict,
                         cafile=cafile, max_seconds=3).start().stop()
        load = fleetclient.Load(url, lab.api_key(), model, workers=per_server * active, num_predict=num_predict,
                                cafile=cafile, max_seconds=seconds).start()
        time.sleep(seconds)
        summary = load.stop().summary()
        elapsed = load.elapsed()
        done = [r for r in load.results if r.ok]
        points.append({"servers": active, "clients": per_server * active, "requests": summary["requests"],
                       "failed": summary["failed"], "rps": round(len(done) / elapsed, 2),
                       "mean_latency_s": round(sum(r.seconds for r in done) / max(len(done), 1), 2)})
        print("throughput: %(servers)d server(s), %(clients)d clients: %(rps).2f req/s, %(failed)d failed" %
              points[-1])
    base = points[0]["rps"]
    for point in points:
        point["speedup"] = round(point["rps"] / base, 2) if base else 0
        point["goal_0_9N"] = point["speedup"] >= 0.9 * point["servers"]
    return points


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,3,6")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--per-server", type=int, default=4, help="concurrent clients per active server")
    parser.add_argument("--num-predict", type=int, default=25)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    results = {"converge": [], "throughput": []}
    for servers in sizes:
        lab, point = converge_point(servers)
        results["converge"].append(point)
        print("converge: %(servers)d server(s): %(converge_s)s s, re-run %(rerun_s)s s (ratio %(rerun_ratio)s), "
              "changed on re-run %(rerun_changed)s" % point)
        if servers == 3:
            results["throughput"] = throughput(lab, args.seconds, args.per_server, args.num_predict)
        if not args.keep:
            lab.script("down", lab.name)

    os.makedirs(os.path.join(REPO, "build", "bench"), exist_ok=True)
    with open(os.path.join(REPO, "build", "bench", "fleet.json"), "w") as handle:
        json.dump(results, handle, indent=2)
    print("\n| servers | hosts | converge (s) | re-run (s) | re-run / converge | changed on re-run |")
    print("|---|---|---|---|---|---|")
    for p in results["converge"]:
        row = (p["servers"], p["hosts"], p["converge_s"], p["rerun_s"], p["rerun_ratio"],
               sum(p["rerun_changed"].values()))
        print("| %d | %d | %s | %s | %s | %d |" % row)
    if results["throughput"]:
        print("\n| servers | clients | req/s | speedup | goal >= 0.9 N | mean latency (s) | failed |")
        print("|---|---|---|---|---|---|---|")
        for p in results["throughput"]:
            row = (p["servers"], p["clients"], p["rps"], p["speedup"], "yes" if p["goal_0_9N"] else "NO",
                   p["mean_latency_s"], p["failed"])
            print("| %d | %d | %s | %s | %s | %s | %d |" % row)


if __name__ == "__main__":
    main(sys.argv[1:])
