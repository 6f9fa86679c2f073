# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a playbook run spends its time, from the timeline of bench/callback_plugins/fleet_profile.py.

  python bench/profile_report.py RUN.json [--top 25] [--docker-log FILE]

Per host: tasks that ran (ok + changed + failed), how many of them ran a module on the host (remote) and how
many only on the controller (assert, set_fact, debug, include_*, ... and tasks delegated to localhost), tasks
skipped, includes; the wall time of every play; the slowest tasks. With --docker-log (one line per docker call:
`EPOCH SUBCOMMAND ARGS...`, written by a logging wrapper around the docker CLI) it also counts the `docker exec`
round trips of the community.docker.docker connection per host and per task.
"""

from __future__ import annotations

import argparse
import collections
import json

# actions that never open a connection to the managed host (run by the controller's action plugin alone)
CONTROLLER_ONLY = frozenset((
    "add_host", "assert", "debug", "fail", "group_by", "import_role", "import_tasks", "include_role",
    "include_tasks", "include_vars", "meta", "pause", "set_fact", "set_stats", "validate_argument_spec",
))
RAN = ("ok", "changed", "failed")


def short_action(action):
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        if action.startswith(prefix):
            return action[len(prefix):]
    return action


def where(task):
    """'controller' or 'remote' for a task (a module delegated to localhost runs on the controller)."""
    if short_action(task["action"]) in CONTROLLER_ONLY:
        return "controller"
    if task.get("delegate_to") in ("localhost", "127.0.0.1"):
        return "controller"
    return "remote"


def load(path):
    with open(path) as handle:
        return json.load(handle)


def per_host(run):
    """{host: Counter(ran, remote, controller, changed, skipped, included, failed)}"""
    counts = collections.defaultdict(collections.Counter)
    for task in run["tasks"]:
        for host, record in task["hosts"].items():
            status = record["status"]
            count = counts[host]
            if status in RAN:
                count["ran"] += 1
                count[where(task)] += 1
                count["changed"] += status == "changed"
                count["failed"] += status == "failed"
            elif status:
                count[status] += 1
    return dict(counts)


def play_rows(run):
    """[(play, seconds, tasks started, remote task runs, controller-only task runs, skipped)] (runs: summed over
    hosts)"""
    rows = []
    for play in run["plays"]:
        tasks = [t for t in run["tasks"] if play["start"] <= t["start"] <= (play["end"] or run["total"])]
        runs = collections.Counter()
        for task in tasks:
            for record in task["hosts"].values():
                runs[where(task) if record["status"] in RAN else record["status"]] += 1
        rows.append((play["name"], round((play["end"] or run["total"]) - play["start"], 1), len(tasks),
                     runs["remote"], runs["controller"], runs["skipped"]))
    return rows


def task_rows(run):
    rows = []
    for task in run["tasks"]:
        ran = [h for h, r in task["hosts"].items() if r["status"] in RAN]
        rows.append({"name": task["name"], "play": task["play"], "action": short_action(task["action"]),
                     "where": where(task), "seconds": round((task["end"] or run["total"]) - task["start"], 2),
                     "hosts_ran": len(ran), "hosts": len(task["hosts"])})
    return rows


def docker_calls(run, log_path):
    """{host: {'exec': n, 'other': n}} and {task index: exec calls}, by matching times and container names."""
    calls = []
    with open(log_path) as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2:
                # timelines without t0_epoch (older callback): per host only
                calls.append((float(parts[0]) - run.get("t0_epoch", float("inf")), parts[1], parts[2:]))
    hosts = {h for task in run["tasks"] for h in task["hosts"]}
    by_host = collections.defaultdict(collections.Counter)
    by_task = collections.Counter()
    for when, sub, args in calls:
        host = next((a for a in args if a in hosts), None)
        if host is None:
            continue
        by_host[host]["exec" if sub == "exec" else sub] += 1
        if sub != "exec":
            continue
        for index, task in enumerate(run["tasks"]):
            record = task["hosts"].get(host)
            if record and record["start"] is not None and record["end"] is not None and \
                    record["start"] - 0.05 <= when <= record["end"] + 0.05:
                by_task[index] += 1
                break
    return dict(by_host), by_task


def report(path, top=25, docker_log=None):
    run = load(path)
    lines = ["run %s: %.1f s, %d tasks started" % (path, run["total"], len(run["tasks"])), ""]
    counts = per_host(run)
    lines += ["| host | ran (ok+changed+failed) | remote | controller-only | changed | skipped | includes |",
              "|---|---|---|---|---|---|---|"]
    for host in sorted(counts):
        c = counts[host]
        lines.append("| %s | %d | %d | %d | %d | %d | %d |"
                     % (host, c["ran"], c["remote"], c["controller"], c["changed"], c["skipped"], c["included"]))
    lines += ["", "| play | seconds | tasks started | remote runs | controller-only runs | skipped runs |",
              "|---|---|---|---|---|---|"]
    lines += ["| %s | %s | %d | %d | %d | %d |" % ((row[0].replace("|", "/"),) + row[1:]) for row in play_rows(run)]
    rows = task_rows(run)
    by_task = {}
    if docker_log:
        by_host, by_task = docker_calls(run, docker_log)
        lines += ["", "| host | docker exec | docker (other) |", "|---|---|---|"]
        for host in sorted(by_host):
            other = sum(v for k, v in by_host[host].items() if k != "exec")
            lines.append("| %s | %d | %d |" % (host, by_host[host]["exec"], other))
    where_sum = collections.Counter()
    for row in rows:
        where_sum[row["where"]] += row["seconds"]
    lines += ["", "task wall time: remote %.1f s, controller-only %.1f s"
              % (where_sum["remote"], where_sum["controller"])]
    lines += ["", "| # | seconds | task | action | where | hosts ran/started | docker exec |",
              "|---|---|---|---|---|---|---|"]
    ranked = sorted(enumerate(rows), key=lambda item: -item[1]["seconds"])[:top]
    for rank, (index, row) in enumerate(ranked, 1):
        lines.append("| %d | %s | %s | %s | %s | %d/%d | %s |" % (
            rank, row["seconds"], row["name"].replace("|", "/"), row["action"], row["where"], row["hosts_ran"],
            row["hosts"], by_task.get(index, "") if docker_log else ""))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--docker-log")
    args = parser.parse_args()
    print(report(args.run, args.top, args.docker_log))


if __name__ == "__main__":
    main()
