# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diagnose phase of the fleet test (tests/fleet/run.py): break things on purpose, assert that
playbooks/diagnose.yml names the right cause (and the inventory variable to change) for each, that it changes
nothing, that site.yml afterwards repairs only what was broken, and that the repaired lab is all green.

Two rounds, several independent faults each, on different hosts:
  round 1: a bad OLLAMA_ORIGINS in a hand-made drop-in on server1 (crash loop); the firewall of server2 no longer
           lets the gateway in (its allow rule deleted); the client check uses a wrong key.
           Meanwhile Docker is installed in server2 (a local image loaded with docker save | docker load).
           The operator removes the drop-in; site.yml repairs the rest (changes only on server1 and server2).
  round 2: Ollama stopped on server1; server2 bound to 127.0.0.1 by a hand-made drop-in (behind the remote
           gateway); the client does not trust the gateway's self-signed certificate; a container on server2's
           default bridge cannot reach Ollama on the host (loopback only).
           This round runs in check mode (--check): the diagnosis is the same.
           The operator removes the drop-in and starts server1 again.
  then:    diagnose on the repaired lab: every check ok (the Docker client included), exit 0.
Every diagnose run must report changed=0 on every host.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

DOCKER_IMAGE = "ollama/ollama:0.13.5"    # the stand-in image from `make standin`: small enough, has python3
DOCKER_BRIDGE = "10.213.91.1/24"          # a fixed default bridge inside the server, so the firewall can name it
ORIGINS_DROPIN = "/etc/systemd/system/ollama.service.d/99-diagnose-test-origins.conf"
HOST_DROPIN = "/etc/systemd/system/ollama.service.d/99-diagnose-test-host.conf"


class Phase:
    def __init__(self, lab, servers, gateway, cafile, recap_re):
        self.lab = lab
        self.s1, self.s2 = servers[0], servers[1]
        self.gateway = gateway
        self.cafile = cafile
        self.recap_re = recap_re
        self.host_vars = os.path.join(lab.dir, "host_vars", "%s.yml" % self.s2)

    def sh(self, container, script, check=True):
        result = subprocess.run(["docker", "exec", container, "sh", "-c", script], capture_output=True, text=True,
                                check=False)
        if check and result.returncode != 0:
            raise SystemExit("FAIL: on %s: %s: %s" % (container, script, result.stderr.strip()[-800:]))
        return result.stdout

    def diagnose(self, label, *extra):
        """Run playbooks/diagnose.yml; returns (seconds, rc, report, changed per host)."""
        report_path = os.path.join(self.lab.dir, "diagnose-%s.json" % label)
        if os.path.exists(report_path):
            os.unlink(report_path)
        start = time.monotonic()
        result = subprocess.run(["ansible-playbook", "-i", self.lab.inventory, "playbooks/diagnose.yml",
                                 "-e", "diagnose_report_path=%s" % report_path,
                                 "-e", "diagnose_docker_image=%s" % DOCKER_IMAGE, *extra],
                                cwd=self.lab_repo(), capture_output=True, text=True, check=False)
        seconds = time.monotonic() - start
        with open(os.path.join(self.lab.dir, "diagnose-%s.log" % label), "w") as handle:
            handle.write(result.stdout + result.stderr)
        recap = {m.group(1): int(m.group(3)) for m in self.recap_re.finditer(result.stdout)}
        if not os.path.exists(report_path) or not recap:
            print(result.stdout[-6000:] + result.stderr[-3000:])
            raise SystemExit("FAIL: diagnose (%s) wrote no report (rc %d)" % (label, result.returncode))
        with open(report_path) as handle:
            report = json.load(handle)
        changed = {host: n for host, n in recap.items() if n}
        if changed:
            raise SystemExit("FAIL: diagnose (%s) changed something: %s" % (label, changed))
        return seconds, result.returncode, report, result.stdout

    def lab_repo(self):
        return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    @staticmethod
    def expect(report, host, check, result="fail", cause=(), fix=()):
        """The finding `check` on `host` has `result`, and its cause/fix contain every given text."""
        found = [f for f in report["findings"] if f["host"] == host and f["check"] == check]
        if not found:
            raise SystemExit("FAIL: no finding %r on %s; findings: %s" % (
                check, host, [(f["host"], f["check"]) for f in report["findings"]]))
        f = found[0]
        problems = []
        if f["result"] != result:
            problems.append("result %s, expected %s" % (f["result"], result))
        problems += ["cause lacks %r" % text for text in cause if text not in f["cause"]]
        problems += ["fix lacks %r" % text for text in fix if text not in f["fix"]]
        if problems:
            raise SystemExit("FAIL: %s on %s: %s\n  cause: %s\n  fix: %s" % (
                check, host, "; ".join(problems), f["cause"], f["fix"]))
        print("ok: %-8s %-22s %-5s %s" % (host.split("-")[-1], check, f["result"], (f["cause"][:90])))

    def prepare_docker(self, errors):
        """Docker in server2 with the stand-in image, loaded from the controller's engine (no registry)."""
        try:
            self.sh(self.s2, "mkdir -p /etc/docker && echo '{\"bip\": \"%s\"}' > /etc/docker/daemon.json && "
                             "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                             "--no-install-recommends docker.io >/dev/null && systemctl start docker" % DOCKER_BRIDGE)
            subprocess.run("set -o pipefail; docker save %s | docker exec -i %s docker load" % (DOCKER_IMAGE, self.s2),
                           shell=True, executable="/bin/bash", check=True, capture_output=True)
        except (SystemExit, subprocess.CalledProcessError) as exc:
            errors.append(str(exc))

    def site(self, label, allowed):
        seconds, recap = self.lab.playbook("site.yml", log="site-after-%s.log" % label)
        changed = {host: n for host, n in recap.items() if n}
        if set(changed) - set(allowed):
            raise SystemExit("FAIL: site.yml after %s changed %s; only %s were broken" % (label, changed, allowed))
        print("ok: site.yml after %s repaired it in %.0f s, changes only on %s" % (
            label, seconds, ", ".join(sorted(changed)) or "none"))
        return seconds

    def run(self):
        timings = []
        t0 = time.monotonic()
        gw_ip = self.lab.ip(self.gateway)
        docker_errors = []
        docker_thread = threading.Thread(target=self.prepare_docker, args=(docker_errors,), daemon=True)
        docker_thread.start()
        try:
            # --- round 1 ---
            self.sh(self.s1, "printf '[Service]\\nEnvironment=\"OLLAMA_ORIGINS=chat.example.com\"\\n' > %s && "
                             "systemctl daemon-reload && systemctl restart ollama" % ORIGINS_DROPIN)
            self.sh(self.s2, "ufw delete allow proto tcp from %s to any port 11434" % gw_ip)
            time.sleep(7)  # let the crash loop go round at least twice (RestartSec=3)
            seconds, rc, report, out = self.diagnose("round1", "-e", "diagnose_client_ca_path=%s" % self.cafile,
                                                     "-e", "diagnose_client_key=wrong-key")
            timings.append(("diagnose round 1", seconds))
            if rc == 0:
                raise SystemExit("FAIL: diagnose exited 0 with failed checks (round 1)")
            self.expect(report, self.s1, "service ollama", cause=("crash-looping", "OLLAMA_ORIGINS", ORIGINS_DROPIN),
                        fix=("ollama_origins", ORIGINS_DROPIN))
            self.expect(report, self.s2, "firewall :11434", cause=(self.gateway, gw_ip),
                        fix=("firewall_ollama_allowed_group",))
            self.expect(report, self.gateway, "backend %s" % self.s2, cause=("timed out", "firewall"),
                        fix=("firewall_ollama_port", self.s2))
            self.expect(report, self.gateway, "client auth", cause=("401",), fix=("diagnose_client_key",))
            self.expect(report, self.s2, "service ollama", result="ok")
            self.expect(report, self.gateway, "nginx -t", result="ok")
            # the operator follows the fix for the drop-in; site.yml repairs the firewall and restarts Ollama
            self.sh(self.s1, "rm -f %s && systemctl daemon-reload" % ORIGINS_DROPIN)
            docker_thread.join()
            if docker_errors:
                raise SystemExit("FAIL: Docker could not be prepared in %s: %s" % (self.s2, docker_errors[0][-800:]))
            timings.append(("docker in server2 (parallel)", time.monotonic() - t0))
            os.makedirs(os.path.dirname(self.host_vars), exist_ok=True)
            with open(self.host_vars, "w") as handle:
                handle.write("# written by tests/fleet/diagnose.py: containers on the inner Docker bridge may use "
                             "Ollama\nfirewall_allow_docker_networks: true\nfirewall_docker_cidrs: [%s]\n" % (
                                 DOCKER_BRIDGE.replace(".1/24", ".0/24")))
            timings.append(("site.yml repair", self.site("round 1", [self.s1, self.s2])))

            # --- round 2 ---
            self.sh(self.s1, "systemctl stop ollama")
            self.sh(self.s2, "printf '[Service]\\nEnvironment=\"OLLAMA_HOST=127.0.0.1:11434\"\\n' > %s && "
                             "systemctl daemon-reload && systemctl restart ollama" % HOST_DROPIN)
            time.sleep(2)
            seconds, rc, report, out = self.diagnose("round2", "--check")  # check mode: the same diagnosis
            timings.append(("diagnose round 2", seconds))
            if rc == 0:
                raise SystemExit("FAIL: diagnose exited 0 with failed checks (round 2)")
            self.expect(report, self.s1, "service ollama", cause=("stopped",), fix=("ollama_service_enabled",))
            self.expect(report, self.gateway, "backend %s" % self.s1, cause=("refused",),
                        fix=("ollama_bind_address",))
            s2_ip = self.lab.ip(self.s2)
            self.expect(report, self.s2, "listen :11434", cause=("127.0.0.1:11434", self.gateway, HOST_DROPIN),
                        fix=(HOST_DROPIN, "ollama_bind_address"))
            self.expect(report, self.gateway, "backend %s" % self.s2, cause=("refused",),
                        fix=("set ollama_bind_address: 0.0.0.0 (this gateway connects to %s:11434)" % s2_ip,))
            self.expect(report, self.gateway, "client tls", cause=("certificate verify failed",),
                        fix=("diagnose_client_ca_path", "gateway_tls_mode"))
            self.expect(report, self.s2, "docker client", cause=("connection refused", "listens on 127.0.0.1",
                                                                 HOST_DROPIN),
                        fix=(HOST_DROPIN, "ollama_bind_address: 0.0.0.0"))
            # the operator removes the override and starts server1 again
            self.sh(self.s2, "rm -f %s && systemctl daemon-reload && systemctl restart ollama" % HOST_DROPIN)
            self.sh(self.s1, "systemctl start ollama")
            time.sleep(2)

            # --- the repaired lab is all green ---
            seconds, rc, report, out = self.diagnose("healthy", "-e", "diagnose_client_ca_path=%s" % self.cafile)
            timings.append(("diagnose healthy", seconds))
            failed = [(f["host"], f["check"], f["cause"]) for f in report["findings"] if f["result"] == "fail"]
            if rc != 0 or failed or report["counts"]["ok"] < 20:
                raise SystemExit("FAIL: diagnose of the repaired lab: rc %d, counts %s, failed %s" % (
                    rc, report["counts"], failed))
            self.expect(report, self.s2, "docker client", result="ok")
            self.expect(report, self.gateway, "client stream", result="ok", cause=("streamed",))
            print("ok: the repaired lab is all green: %s" % report["counts"])
        finally:
            if os.path.exists(self.host_vars):
                os.unlink(self.host_vars)
            if os.path.isdir(os.path.dirname(self.host_vars)) and not os.listdir(os.path.dirname(self.host_vars)):
                os.rmdir(os.path.dirname(self.host_vars))
        timings.append(("diagnose phase total", time.monotonic() - t0))
        return timings


def run(lab, servers, gateway, cafile, recap_re):
    """Entry point for tests/fleet/run.py; returns [(label, seconds)]."""
    return Phase(lab, servers, gateway, cafile, recap_re).run()


def main(argv):
    """Run the phase alone on a converged lab: python tests/fleet/diagnose.py --name NAME (after `lab.py up` and
    site.yml, e.g. `tests/fleet/run.py --keep`)."""
    import argparse
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import run as fleet  # pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--name", default="fleet")
    args = parser.parse_args(argv)
    lab = fleet.Lab(args.name)
    gateway = "%s-gw1" % args.name
    timings = run(lab, ["%s-server1" % args.name, "%s-server2" % args.name], gateway, lab.gateway_ca(gateway),
                  fleet.RECAP_RE)
    for label, seconds in timings:
        print("  %-28s %6.1f s" % (label, seconds))


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
