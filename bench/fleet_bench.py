# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet benchmarks on labs of systemd containers (scripts/lab.py, offline stand-in), for the README:

 1. converge wall time of site.yml for 1, 3 and 6 servers behind one gateway, and the re-run on the converged
    lab: changed count per host (must be 0), re-run time / converge time, and for both runs the tasks that ran per
    host (ok + changed + failed; how many of them ran a module on the host, the rest only on the controller) and
    the seconds per play, from a timeline the benchmark-only callback bench/callback_plugins/fleet_profile.py
    writes (bench/profile_report.py prints the slowest tasks of such a timeline);
 2. throughput through the gateway with 1, 2 and 3 servers at a fixed per-request service time (the stand-in
    streams num_predict tokens at OLLAMA_STANDIN_TOKEN_DELAY_MS each): servers are taken out of the upstream with
    the gateway's drain tool, and `concurrency per server` x N clients send generations for a fixed time.

  python bench/fleet_bench.py [--sizes 1,3,6] [--seconds 30] [--no-throughput] [--lab-prefix bench] [--keep]
Writes build/bench/fleet.json (and the timelines next to each lab's logs, build/lab/benchN/site-N.profile.json)
and prints markdown tables. Bounded: at most --seconds of load per point.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "fleet"))
import fleetclient  # noqa: E402  pylint: disable=wrong-import-position
from run import Lab  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_report  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALLBACK_DIR = os.path.join(REPO, "bench", "callback_plugins")


def profiled_playbook(lab, log):
    """lab.playbook('site.yml') with the fleet_profile callback on; returns (seconds, {host: changed}, timeline,
    controller CPU seconds of ansible-playbook and everything it started: workers, docker CLI)."""
    profile = os.path.join(lab.dir, log.replace(".log", ".profile.json"))
    names = ("ANSIBLE_CALLBACK_PLUGINS", "ANSIBLE_CALLBACKS_ENABLED", "FLEET_PROFILE_OUT")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["ANSIBLE_CALLBACK_PLUGINS"] = os.pathsep.join(p for p in (CALLBACK_DIR, saved[
        "ANSIBLE_CALLBACK_PLUGINS"]) if p)
    os.environ["ANSIBLE_CALLBACKS_ENABLED"] = ",".join(p for p in (saved["ANSIBLE_CALLBACKS_ENABLED"],
                                                                   "fleet_profile") if p)
    os.environ["FLEET_PROFILE_OUT"] = profile
    if os.path.exists(profile):
        os.remove(profile)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        seconds, recap = lab.playbook("site.yml", log=log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not os.path.exists(profile):
        raise SystemExit("FAIL: the fleet_profile callback wrote no timeline to %s" % profile)
    return seconds, recap, profile_report.load(profile), cpu


def run_summary(seconds, timeline, cpu):
    """What one run did: seconds, controller CPU, tasks that ran per host (remote / controller-only), seconds
    per play."""
    return {"seconds": round(seconds, 1), "controller_cpu_s": round(cpu, 1),
            "tasks": {host: {"ran": c["ran"], "remote": c["remote"], "controller": c["controller"],
                             "skipped": c["skipped"], "changed": c["changed"]}
                      for host, c in sorted(profile_report.per_host(timeline).items())},
            "plays": [{"play": row[0], "seconds": row[1]} for row in profile_report.play_rows(timeline)]}


def converge_point(servers, prefix="bench"):
    lab = Lab("%s%d" % (prefix, servers))
    lab.script("down", lab.name)
    lab.script("up", lab.name, "--servers", str(servers), "--gateways", "1")
    first, recap1, timeline1, cpu1 = profiled_playbook(lab, "site-1.log")
    second, recap2, timeline2, cpu2 = profiled_playbook(lab, "site-2.log")
    return lab, {"servers": servers, "hosts": len(recap1), "converge_s": round(first, 1),
                 "rerun_s": round(second, 1), "rerun_ratio": round(second / first, 2),
                 "rerun_changed": recap2, "converge": run_summary(first, timeline1, cpu1),
                 "rerun": run_summary(second, timeline2, cpu2)}


def tasks_by_role(point, run):
    """'server a (remote b), gateway c (remote d)': the most tasks any server / gateway ran in that run."""
    tasks = point[run]["tasks"]
    out = []
    for label, marker in (("server", "-server"), ("gateway", "-gw")):
        hosts = [counts for host, counts in tasks.items() if marker in host]
        if hosts:
            top = max(hosts, key=lambda c: c["ran"])
            out.append("%s %d (remote %d)" % (label, top["ran"], top["remote"]))
    return ", ".join(out)


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
    parser.add_argument("--no-throughput", action="store_true", help="converge and re-run points only")
    parser.add_argument("--lab-prefix", default="bench", help="labs are named PREFIX<servers>")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    results = {"converge": [], "throughput": []}
    for servers in sizes:
        lab, point = converge_point(servers, args.lab_prefix)
        results["converge"].append(point)
        print("converge: %(servers)d server(s): %(converge_s)s s, re-run %(rerun_s)s s (ratio %(rerun_ratio)s), "
              "changed on re-run %(rerun_changed)s" % point)
        print("  tasks run per host, converge: %s; re-run: %s"
              % (tasks_by_role(point, "converge"), tasks_by_role(point, "rerun")))
        print("  re-run seconds per play: %s" % ", ".join("%s %s" % (p["play"], p["seconds"])
                                                          for p in point["rerun"]["plays"]))
        if servers == 3 and not args.no_throughput:
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
    print("\nTasks that ran per host (ok + changed + failed; remote = a module ran on the host), the most of any "
          "server / gateway; controller CPU of ansible-playbook and its children (steadier than wall time on a "
          "busy machine):\n")
    print("| servers | converge: tasks | re-run: tasks | converge CPU (s) | re-run CPU (s) | re-run / converge CPU |")
    print("|---|---|---|---|---|---|")
    for p in results["converge"]:
        cpu1, cpu2 = p["converge"]["controller_cpu_s"], p["rerun"]["controller_cpu_s"]
        ratio = round(cpu2 / cpu1, 2) if cpu1 else "-"
        print("| %d | %s | %s | %s | %s | %s |"
              % (p["servers"], tasks_by_role(p, "converge"), tasks_by_role(p, "rerun"), cpu1, cpu2, ratio))
    if results["throughput"]:
        print("\n| servers | clients | req/s | speedup | goal >= 0.9 N | mean latency (s) | failed |")
        print("|---|---|---|---|---|---|---|")
        for p in results["throughput"]:
            row = (p["servers"], p["clients"], p["rps"], p["speedup"], "yes" if p["goal_0_9N"] else "NO",
                   p["mean_latency_s"], p["failed"])
            print("| %d | %d | %s | %s | %s | %s | %d |" % row)


if __name__ == "__main__":
    main(sys.argv[1:])
