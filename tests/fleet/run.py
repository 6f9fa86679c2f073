# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet acceptance test (`make fleet`): site.yml, its second run, a rolling upgrade under load, SIGKILL recovery.

On a heterogeneous lab of 2 stand-in Ollama servers (0.13.5) and 1 gateway (scripts/lab.py, layout
tests/lab/layouts/heterogeneous.yml: model A on both servers, model B on server2 only, a custom model on server1
only; the gateway on Debian 13 unless --gateway-image says otherwise):
 0. The preflight drill (tests/fleet/preflight_drill.py) on the fresh lab: ordinary mistakes passed to site.yml
    each fail with a message naming the variable and changed=0 on every host.
 1. `ansible-playbook site.yml` converges the lab (firewall, Ollama, gateway, verify).
 2. A second run reports changed=0 on every host.
 R. Routing by model through the gateway (tests/fleet/routing.py): requests for models only some servers have,
    fleet-wide listings, the 404s of an unknown model, a model pulled by hand, a stopped backend; at its end the
    operator copies B to server1 too, so B stays available while server2 is upgraded.
 3. While 4 clients stream generations of A and B through the gateway the whole time, playbooks/upgrade.yml
    upgrades both servers to 0.32.15 one at a time: every client request must succeed.
 4. SIGKILL to one server's Ollama: systemd restarts it within seconds, and the gateway keeps answering while
    it is down (requests started after the kill succeed; only streams cut by the kill itself may fail).
 5. playbooks/diagnose.yml names the cause of faults made on purpose, changes nothing, and reports the lab all
    green after the repair (tests/fleet/diagnose.py).
The lab is removed at the end unless --keep is given. Prints the stage timings.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yaml  # noqa: E402  pylint: disable=wrong-import-position

import fleetclient  # noqa: E402  pylint: disable=wrong-import-position
import diagnose  # noqa: E402  pylint: disable=wrong-import-position
import preflight_drill  # noqa: E402  pylint: disable=wrong-import-position
import routing  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Lab:
    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(REPO, "build", "lab", name)
        self.inventory = os.path.join(self.dir, "hosts.yml")

    @property
    def hosts(self):
        """The inventory names site.yml runs on (ollama_servers and ollama_gateways)."""
        with open(self.inventory) as handle:
            children = yaml.safe_load(handle)["all"]["children"]
        return sorted({host for group in ("ollama_servers", "ollama_gateways")
                       for host in ((children.get(group) or {}).get("hosts") or {})})

    def script(self, *args):
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "lab.py"), *args], check=True)

    def ip(self, container):
        return subprocess.run([sys.executable, os.path.join(REPO, "scripts", "lab.py"), "ip", self.name, container],
                              capture_output=True, text=True, check=True).stdout.strip()

    def playbook(self, playbook, *extra, log=None):
        """Run a playbook against the lab; returns (seconds, {host: changed}). Fails loudly on a failed host."""
        start = time.monotonic()
        result = subprocess.run(["ansible-playbook", "-i", self.inventory, playbook, *extra], cwd=REPO,
                                capture_output=True, text=True, check=False)
        seconds = time.monotonic() - start
        if log:
            with open(os.path.join(self.dir, log), "w") as handle:
                handle.write(result.stdout + result.stderr)
        recap = {m.group(1): int(m.group(3)) for m in RECAP_RE.finditer(result.stdout)}
        if result.returncode != 0 or not recap:
            sys.stdout.write(result.stdout[-6000:] + result.stderr[-3000:])
            where = os.path.join(self.dir, log or "")
            raise SystemExit("FAIL: %s exited %d (log %s)" % (playbook, result.returncode, where))
        return seconds, recap

    def exec(self, container, *cmd, check=True):
        return subprocess.run(["docker", "exec", container, *cmd], capture_output=True, text=True,
                              check=check).stdout.strip()

    def api_key(self):
        with open(os.path.join(self.dir, "api-key")) as handle:
            return handle.read().strip()

    def gateway_ca(self, gateway):
        path = os.path.join(self.dir, "%s.crt" % gateway)
        with open(path, "w") as handle:
            handle.write(self.exec(gateway, "cat", "/etc/ssl/ollama-gateway/selfsigned.crt") + "\n")
        return path


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="fleet")
    parser.add_argument("--from-version", default="0.13.5")
    parser.add_argument("--to-version", default="0.32.15")
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    parser.add_argument("--gateway-image", default="localllm-test/debian13-systemd:latest",
                        help="image of the gateway (the servers run Debian 12)")
    args = parser.parse_args(argv)

    lab = Lab(args.name)
    timings = []
    t_start = time.monotonic()
    lab.script("down", args.name)
    lab.script("up", args.name, "--servers", "2", "--gateways", "1", "--version", args.from_version,
               "--layout", "heterogeneous", "--gateway-image", args.gateway_image)
    timings.append(("lab up", time.monotonic() - t_start))
    servers = ["%s-server1" % args.name, "%s-server2" % args.name]
    gateway = "%s-gw1" % args.name
    try:
        timings += preflight_drill.run(lab)

        seconds, recap = lab.playbook("site.yml", log="site-1.log")
        timings.append(("site.yml converge", seconds))

        seconds, recap = lab.playbook("site.yml", log="site-2.log")
        timings.append(("site.yml second run", seconds))
        changed = {host: n for host, n in recap.items() if n}
        if changed:
            raise SystemExit("FAIL: the second site.yml run changed something: %s" % changed)
        print("ok: second run of site.yml: changed=0 on %s" % ", ".join(sorted(recap)))

        url = "https://%s" % lab.ip(gateway)
        cafile = lab.gateway_ca(gateway)
        models = routing.lab_models(lab)
        model = models["a"]
        if model != "%s:5000/library/tinyllama:latest" % lab.ip("%s-registry" % args.name):
            raise SystemExit("FAIL: model A of the layout is %s, not the lab registry's tinyllama" % model)
        timings += routing.run(lab, servers, gateway, url, cafile)

        load_models = [models["a"], models["b"]]
        for each in load_models:
            ok, reason = fleetclient.generate_once(url, lab.api_key(), each, 5, cafile=cafile)
            if not ok:
                raise SystemExit("FAIL: a generation of %s through the gateway failed before the upgrade: %s" % (
                    each, reason))

        load = fleetclient.Load(url, lab.api_key(), load_models, workers=4, num_predict=25, cafile=cafile).start()
        time.sleep(3)
        seconds, recap = lab.playbook("playbooks/upgrade.yml", "-e", "ollama_version=%s" % args.to_version,
                                      log="upgrade.log")
        time.sleep(3)
        summary = load.stop().summary()
        timings.append(("rolling upgrade under load", seconds))
        print("rolling upgrade: %(requests)d requests through the gateway (per model %(per_model)s), "
              "%(succeeded)d succeeded, %(failed)d failed" % summary)
        for version_server in servers:
            version = lab.exec(version_server, "/usr/local/bin/ollama", "-v")
            if args.to_version not in version:
                raise SystemExit("FAIL: %s reports %r after the upgrade" % (version_server, version))
        if summary["failed"] or summary["requests"] < 20 or min(summary["per_model"].values()) < 10:
            raise SystemExit("FAIL: rolling upgrade: %s" % summary)
        print("ok: both servers run %s; zero failed client requests" % args.to_version)

        # SIGKILL: systemd restarts the server; the gateway keeps serving from the other one meanwhile.
        victim = servers[0]
        restarts_before = int(lab.exec(victim, "systemctl", "show", "-p", "NRestarts", "--value", "ollama"))
        load = fleetclient.Load(url, lab.api_key(), load_models, workers=4, num_predict=10, cafile=cafile).start()
        time.sleep(2)
        killed_at = load.elapsed()
        lab.exec(victim, "systemctl", "kill", "--signal=SIGKILL", "--kill-whom=main", "ollama")
        t_kill = time.monotonic()
        back = None
        while time.monotonic() - t_kill < 30:
            probe = subprocess.run(["docker", "exec", victim, "curl", "-sf", "http://127.0.0.1:11434/api/version"],
                                   capture_output=True, check=False)
            if probe.returncode == 0 and time.monotonic() - t_kill > 0.5:
                back = time.monotonic() - t_kill
                break
            time.sleep(0.2)
        time.sleep(3)
        load.stop()
        restarts_after = int(lab.exec(victim, "systemctl", "show", "-p", "NRestarts", "--value", "ollama"))
        after_kill = [r for r in load.results if r.started > killed_at + 0.1]
        failed_after = [r for r in after_kill if not r.ok]
        cut = [r for r in load.results if r.started <= killed_at + 0.1 and not r.ok]
        print("SIGKILL: %s back after %s s (NRestarts %d -> %d); %d requests (A and B) started after the kill, "
              "%d failed; %d streams cut by the kill" % (victim, "%.1f" % back if back else "never", restarts_before,
                                                         restarts_after, len(after_kill), len(failed_after),
                                                         len(cut)))
        if back is None or back > 15 or restarts_after != restarts_before + 1:
            raise SystemExit("FAIL: systemd did not bring %s back within 15 s" % victim)
        if failed_after or len(after_kill) < 4:
            raise SystemExit("FAIL: the gateway did not keep serving after the kill: %s" %
                             [r.reason for r in failed_after][:5])
        timings.append(("SIGKILL recovery", time.monotonic() - t_kill))

        timings += diagnose.run(lab, servers, gateway, cafile, RECAP_RE)
    finally:
        if not args.keep:
            lab.script("down", args.name)
    print("\nfleet stage timings:")
    for label, seconds in timings:
        print("  %-28s %6.1f s" % (label, seconds))
    print("fleet: PASSED in %.0f s" % (time.monotonic() - t_start))


if __name__ == "__main__":
    main(sys.argv[1:])
