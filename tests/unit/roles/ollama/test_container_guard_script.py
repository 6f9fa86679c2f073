# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DOCKER-USER filter script of the localllm.ollama.ollama role (templates/ollama-docker-user.sh.j2).

The real template is rendered with the rules of localllm.ollama._ollama_container_guard and run with /bin/sh against
a stand-in for iptables/ip6tables (and their -restore), which keeps the filter table of each family in a JSON file
and answers the few commands the script uses the way iptables does (-S, -L, -C, -N, -I, -D by number, -F, -X,
restore --noflush). The molecule ollama-container scenario runs the same script against the real iptables (nft and legacy
backends are the same commands) inside Docker.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import jinja2
import pytest

from ansible.plugins.filter.core import FilterModule as CoreFilters

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as logic

ROLE = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "ollama"))
CHAIN = "OLLAMA-DOCKER-USER"

pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs /bin/sh")

# The stand-in: python3 FAKE <state-dir> <command name> ARGS...
FAKE = r'''
import json, os, sys
state_dir, name, args = sys.argv[1], os.path.basename(sys.argv[2]), sys.argv[3:]
restore = name.endswith("-restore")
family = name[:-len("-restore")] if restore else name
path = os.path.join(state_dir, family + ".json")
with open(path) as handle:
    chains = json.load(handle)
with open(os.path.join(state_dir, "calls.log"), "a") as log:
    log.write(" ".join([name] + args) + "\n")
BUILTIN = ("INPUT", "FORWARD", "OUTPUT")

def save():
    with open(path, "w") as handle:
        json.dump(chains, handle)

def fail(msg, rc=1):
    sys.stderr.write(msg + "\n")
    sys.exit(rc)

if restore:
    assert "--noflush" in args, args
    for line in sys.stdin.read().splitlines():
        if line.startswith(":"):
            chains[line[1:].split()[0]] = []
        elif line.startswith("-A "):
            words = line.split()
            if words[1] not in chains:
                fail("restore: no chain " + words[1])
            chains[words[1]].append(words[2:])
    save()
    sys.exit(0)

args = [a for a in args if a not in ("-w", "-n")]
op = args[0]
if op == "-V":
    print(family + " v1.8.9 (stand-in)")
elif op == "-L":
    sys.exit(0 if args[1] in chains else 1)
elif op == "-S":
    names = [args[1]] if len(args) > 1 else list(chains)
    for chain in names:
        if chain not in chains:
            fail("%s: No chain/target/match by that name." % family)
        print(("-P %s ACCEPT" % chain) if chain in BUILTIN else ("-N " + chain))
    for chain in names:
        for rule in chains[chain]:
            print(" ".join(["-A", chain] + rule))
elif op == "-N":
    if args[1] in chains:
        fail("Chain already exists.")
    chains[args[1]] = []
    save()
elif op == "-C":
    sys.exit(0 if args[1] in chains and args[2:] in chains[args[1]] else 1)
elif op == "-I":
    target = args[3:] if args[2].isdigit() else args[2:]
    jump = target[target.index("-j") + 1]
    if jump not in chains and jump not in ("RETURN", "DROP", "ACCEPT"):
        fail("Couldn't load target " + jump)
    chains[args[1]].insert(int(args[2]) - 1 if args[2].isdigit() else 0, target)
    save()
elif op == "-D":
    del chains[args[1]][int(args[2]) - 1]
    save()
elif op == "-F":
    chains[args[1]] = []
    save()
elif op == "-X":
    if any(rule[-1] == args[1] for rules in chains.values() for rule in rules):
        fail("Too many links")
    del chains[args[1]]
    save()
else:
    fail("stand-in: unsupported " + " ".join(args), 2)
'''

DOCKER = {
    # what Docker leaves: FORWARD jumps to DOCKER-USER first; DOCKER-USER ends with RETURN (Docker 20.10-26)
    "FORWARD": [["-j", "DOCKER-USER"], ["-j", "DOCKER-ISOLATION-STAGE-1"]],
    "DOCKER-USER": [["-s", "192.0.2.9/32", "-j", "ACCEPT"], ["-j", "RETURN"]],
    "INPUT": [],
    "OUTPUT": [],
}


def _render(publish_address="0.0.0.0", port=11434, sources=None, cidrs=None, name="ollama"):
    settings = {
        "publish_address": publish_address, "publish_public": True, "docker_user": True, "port": port,
        "name": name, "allowed_sources": sources if sources is not None else [{"host": "gw", "address": "10.0.0.5"}],
        "allowed_cidrs": cidrs or [],
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLE, "templates")), trim_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(CoreFilters().filters())
    return env.get_template("ollama-docker-user.sh.j2").render(
        ansible_managed="Ansible managed", ollama_container_name=name,
        __ollama_container_ports=[logic.published_port(publish_address, port)],
        __ollama_container_guard=logic.guard(settings), __ollama_container_guard_unit="ollama-docker-user.service",
    )


class Host:
    """A temporary directory with the stand-in commands on PATH and the filter table of both families."""

    def __init__(self, tmp_path, ip6=None):
        self.dir = tmp_path
        bindir = tmp_path / "bin"
        bindir.mkdir()
        (tmp_path / "fake.py").write_text(FAKE)
        for name in ("iptables", "ip6tables", "iptables-restore", "ip6tables-restore"):
            tool = bindir / name
            tool.write_text('#!/bin/sh\nexec "%s" "%s" "%s" "$0" "$@"\n' % (sys.executable, tmp_path / "fake.py", tmp_path))
            tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
        self.write("iptables", DOCKER)
        self.write("ip6tables", ip6 if ip6 is not None else {"FORWARD": [], "INPUT": [], "OUTPUT": []})
        self.env = dict(os.environ, PATH="%s:/usr/bin:/bin" % bindir)

    def write(self, family, chains):
        with open(self.dir / (family + ".json"), "w") as handle:
            json.dump(chains, handle)

    def table(self, family="iptables"):
        with open(self.dir / (family + ".json")) as handle:
            return json.load(handle)

    def install(self, script):
        path = self.dir / "ollama-docker-user"
        path.write_text(script)
        path.chmod(0o755)

    def run(self, action):
        return subprocess.run(["sh", str(self.dir / "ollama-docker-user"), action], env=self.env,
                              capture_output=True, text=True, check=False)


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path)


def _jump(port=11434, address=None, name="ollama"):
    return (["-p", "tcp", "-m", "conntrack", "--ctstate", "DNAT", "--ctorigdstport", str(port), "--ctdir", "ORIGINAL"]
            + (["--ctorigdst", address] if address else [])
            + ["-m", "comment", "--comment", "localllm.ollama:%s" % name, "-j", CHAIN])


def test_the_rendered_script_is_valid_sh():
    for address in ("0.0.0.0", "10.0.0.7", "::", "fd00::7"):
        subprocess.run(["sh", "-n", "-c", _render(address, cidrs=["fd00::1"])], check=True)


def test_apply_puts_the_filter_first_and_keeps_the_operators_rules(host):
    host.install(_render(cidrs=["192.168.1.0/24"]))
    assert host.run("check").returncode == 1
    result = host.run("apply")
    assert result.returncode == 0, result.stderr
    table = host.table()
    assert table["DOCKER-USER"] == [_jump(), ["-s", "192.0.2.9/32", "-j", "ACCEPT"], ["-j", "RETURN"]]
    assert table[CHAIN] == [
        ["-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"],
        ["-s", "10.0.0.5/32", "-j", "RETURN"],
        ["-s", "192.168.1.0/24", "-j", "RETURN"],
        ["-j", "DROP"],
    ]
    assert table["FORWARD"] == DOCKER["FORWARD"]
    # IPv4 publish address: nothing in ip6tables
    assert CHAIN not in host.table("ip6tables")
    check = host.run("check")
    assert check.returncode == 0, check.stdout


def test_apply_is_idempotent(host):
    host.install(_render())
    host.run("apply")
    before = host.table()
    assert host.run("apply").returncode == 0
    assert host.table() == before
    assert [rule[-1] for rule in host.table()["DOCKER-USER"]].count(CHAIN) == 1


def test_check_finds_drift_and_apply_repairs_it(host):
    host.install(_render())
    host.run("apply")
    wanted = host.table()
    table = host.table()
    table[CHAIN] = table[CHAIN][:-1]  # someone deleted the DROP
    host.write("iptables", table)
    check = host.run("check")
    assert check.returncode == 1 and "rules" in check.stdout
    host.run("apply")
    assert host.table() == wanted
    table = host.table()
    table["DOCKER-USER"].append(_jump())  # a second jump
    host.write("iptables", table)
    assert host.run("check").returncode == 1
    host.run("apply")
    assert host.table() == wanted


def test_a_new_port_or_source_list_replaces_the_old_rules(host):
    host.install(_render())
    host.run("apply")
    host.install(_render(port=8080, sources=[{"host": "gw2", "address": "10.0.0.6"}]))
    assert host.run("check").returncode == 1
    host.run("apply")
    table = host.table()
    assert [rule for rule in table["DOCKER-USER"] if rule[-1] == CHAIN] == [_jump(8080)]
    assert ["-s", "10.0.0.5/32", "-j", "RETURN"] not in table[CHAIN]
    assert ["-s", "10.0.0.6/32", "-j", "RETURN"] in table[CHAIN]
    assert host.run("check").returncode == 0


def test_a_specific_address_matches_the_original_destination(host):
    host.install(_render("10.0.0.7"))
    host.run("apply")
    assert host.table()["DOCKER-USER"][0] == _jump(address="10.0.0.7")


def test_ipv6_wildcard_filters_both_families(tmp_path):
    host = Host(tmp_path, ip6={"FORWARD": [["-j", "DOCKER-USER"]], "DOCKER-USER": [], "INPUT": [], "OUTPUT": []})
    host.install(_render("::", cidrs=["fd00::1"]))
    assert host.run("apply").returncode == 0
    assert ["-s", "fd00::1/128", "-j", "RETURN"] in host.table("ip6tables")[CHAIN]
    assert ["-s", "10.0.0.5/32", "-j", "RETURN"] not in host.table("ip6tables")[CHAIN]
    assert ["-s", "10.0.0.5/32", "-j", "RETURN"] in host.table("iptables")[CHAIN]
    assert host.run("check").returncode == 0
    # back to an IPv4 address: the IPv6 part goes
    host.install(_render("0.0.0.0"))
    host.run("apply")
    assert CHAIN not in host.table("ip6tables")
    assert host.table("ip6tables")["DOCKER-USER"] == []
    assert host.run("check").returncode == 0


def test_apply_before_docker_creates_docker_user(tmp_path):
    """At boot the unit runs before docker.service: DOCKER-USER does not exist yet; Docker keeps it later."""
    host = Host(tmp_path)
    host.write("iptables", {"FORWARD": [], "INPUT": [], "OUTPUT": []})
    host.install(_render())
    assert host.run("apply").returncode == 0
    assert host.table()["DOCKER-USER"] == [_jump()]
    # no FORWARD jump: Docker does not filter there (iptables false, or another backend) - check says so
    check = host.run("check")
    assert check.returncode == 1 and "FORWARD does not jump to DOCKER-USER" in check.stdout
    assert "ollama_container_docker_user: false" in check.stdout


def test_remove_deletes_only_the_filter(host):
    host.install(_render())
    assert host.run("present").returncode == 1
    assert host.run("remove").stdout == ""
    host.run("apply")
    assert host.run("present").returncode == 0
    result = host.run("remove")
    assert result.returncode == 0 and "removed" in result.stdout
    assert host.table() == DOCKER
    assert host.run("present").returncode == 1
    # nothing left: remove again changes nothing and says nothing
    again = host.run("remove")
    assert again.returncode == 0 and again.stdout == ""


def test_the_script_uses_wait_for_the_xtables_lock(host):
    host.install(_render())
    host.run("apply")
    host.run("check")
    host.run("remove")
    calls = (host.dir / "calls.log").read_text().splitlines()
    assert calls and all(" -w" in call for call in calls if not call.endswith(" -V")), calls


def test_unknown_action_is_a_usage_error(host):
    host.install(_render())
    result = host.run("flush")
    assert result.returncode == 2 and "usage" in result.stderr
