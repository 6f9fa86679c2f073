# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight drill of `make fleet` (tests/fleet/run.py, on the FRESH lab before its first converge).

Every case is one ordinary mistake passed as an extra var to `ansible-playbook site.yml -e '<json>'`. Each must
fail, print a message that names the variable, and report changed=0 on EVERY host of the lab: the fleet-wide
preflight (playbooks/preflight.yml: the inventory check, then every role's `tasks_from: preflight` on every host
it will touch) stops the run before the first play that changes a host. The cases run 3 at a time.

Alone, against a lab of your own (1 server + 1 gateway is enough):
  python scripts/lab.py up drill --servers 1 --gateways 1 && python tests/fleet/preflight_drill.py --name drill
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
PARALLEL = 3

# (label, extra vars, words the failure message must contain: the variable, and what is wrong where it helps)
CASES = [
    # the 14 mistakes of issue 16: 10 Ollama, 3 gateway, 1 firewall
    ("ollama origin without a scheme", {"ollama_origins": ["foo.example"]}, ["ollama_origins", "foo.example"]),
    ("ollama K/V cache type", {"ollama_kv_cache_type": "q3"}, ["ollama_kv_cache_type"]),
    ("ollama bad model name", {"ollama_models": ["Bad Model!!"]}, ["ollama_models"]),
    ("ollama port out of range", {"ollama_port": 70000}, ["ollama_port"]),
    ("ollama bind address", {"ollama_bind_address": "x y"}, ["ollama_bind_address"]),
    ("ollama keep-alive", {"ollama_keep_alive": "forever"}, ["ollama_keep_alive"]),
    ("ollama version", {"ollama_version": "1.2"}, ["ollama_version"]),
    ("ollama environment", {"ollama_environment": {"OLLAMA_DEBUG_LOG_REQUESTS": "1"}},
     ["OLLAMA_DEBUG_LOG_REQUESTS"]),
    ("ollama install method", {"ollama_install_method": "snap"}, ["ollama_install_method"]),
    ("ollama model tiers", {"ollama_model_tiers": [{"min_vram_gib": "lots", "models": []}]}, ["ollama_model_tiers"]),
    ("gateway CIDR", {"gateway_allow_cidrs": ["10.0.0.0/33"]}, ["gateway_allow_cidrs", "10.0.0.0/33"]),
    ("gateway short API key", {"gateway_api_keys": [{"id": "short", "key": "abc123"}]},
     ["gateway_api_key_min_length", "short"]),
    ("gateway ACME for an IP", {"gateway_tls_mode": "acme", "gateway_server_name": "192.0.2.10"},
     ["gateway_server_name", "IP address"]),
    ("firewall CIDR with host bits", {"firewall_ssh_cidrs": ["10.0.0.1/8"]}, ["firewall_ssh_cidrs", "10.0.0.1/8"]),
    # other preflight cases: the inventory check, closed sets of the argument specs, a cross-variable rule
    ("server on loopback behind a remote gateway", {"ollama_bind_address": "127.0.0.1"},
     ["ollama_bind_address", "Ollama binds to 127.0.0.1"]),
    ("gateway upstream group missing", {"gateway_upstream_group": "no_such_group"}, ["gateway_upstream_group"]),
    ("gateway TLS mode", {"gateway_tls_mode": "sometimes"}, ["gateway_tls_mode"]),
    ("firewall open default", {"firewall_default_incoming": "allow"}, ["firewall_default_incoming"]),
    ("gateway same HTTP and HTTPS port", {"gateway_http_port": 8443, "gateway_https_port": 8443},
     ["gateway_http_port", "gateway_https_port"]),
]


def run_case(lab, index, label, extra, words):
    """One case; returns (label, seconds, problems)."""
    start = time.monotonic()
    result = subprocess.run(["ansible-playbook", "-i", lab.inventory, "site.yml", "-e", json.dumps(extra)],
                            cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    out = result.stdout + result.stderr
    with open(os.path.join(lab.dir, "drill-%02d.log" % index), "w") as handle:
        handle.write("# %s: -e %s\n%s" % (label, json.dumps(extra), out))
    problems = []
    if result.returncode == 0:
        problems.append("site.yml succeeded")
    recap = {m.group(1): int(m.group(3)) for m in RECAP_RE.finditer(result.stdout)}
    missing = sorted(set(lab.hosts) - set(recap))
    if missing:
        problems.append("no recap for %s" % ", ".join(missing))
    changed = {host: n for host, n in recap.items() if n}
    if changed:
        problems.append("hosts changed: %s" % changed)
    # the failure messages: every fatal/failed line and the [ERROR] lines ansible-core 2.19 prints
    failures = "\n".join(line for line in out.splitlines()
                         if line.startswith(("fatal: [", "failed: [", "[ERROR]")))
    absent = [word for word in words if word not in failures]
    if absent:
        problems.append("the failure does not name %s: %s" % (absent, failures[:600] or "(no failure message)"))
    return label, seconds, problems


def run(lab):
    """Run every case against the lab (3 at a time); returns [(label, seconds)] for the stage timings."""
    start = time.monotonic()
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = [pool.submit(run_case, lab, i, label, extra, words)
                   for i, (label, extra, words) in enumerate(CASES, 1)]
        for future in futures:
            label, seconds, problems = future.result()
            details = "".join("\n    " + p for p in problems)
            print("%s preflight drill: %-44s %5.1f s%s" % ("FAIL" if problems else "ok:  ", label, seconds, details))
            if problems:
                failed.append(label)
    total = time.monotonic() - start
    print("preflight drill: %d cases, %d failed, %.1f s in all (%d at a time)"
          % (len(CASES), len(failed), total, PARALLEL))
    if failed:
        raise SystemExit("FAIL: preflight drill: %s (logs %s/drill-*.log)" % (", ".join(failed), lab.dir))
    return [("preflight drill (%d cases)" % len(CASES), total)]


def main(argv):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import run as fleet  # noqa: E402  pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="fleet", help="the lab (scripts/lab.py up NAME) to run against")
    args = parser.parse_args(argv)
    run(fleet.Lab(args.name))


if __name__ == "__main__":
    main(sys.argv[1:])
