# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify the firewall scenario from inside the firewalled hosts and from the gateway and outsider containers.

Traffic goes only to this scenario's containers (network firewall-net, 10.213.77.0/24).
"""

from __future__ import annotations

import re

import pytest
import testinfra

testinfra_hosts = ["firewall-deb12", "firewall-deb13"]

SERVERS = ["firewall-deb12", "firewall-deb13"]


def _docker_host(name):
    return testinfra.get_host("docker://" + name)


@pytest.fixture(scope="module")
def gw():
    return _docker_host("firewall-gw")


@pytest.fixture(scope="module")
def outsider():
    return _docker_host("firewall-outsider")


def _curl(client, target, port):
    """(exit code, HTTP status) of a 3-second request from ``client`` to ``target:port``."""
    result = client.run("curl -s -o /dev/null -w '%%{http_code}' --max-time 3 http://%s:%d/" % (target, port))
    return result.rc, result.stdout.strip()


def _status(host):
    result = host.run("ufw status verbose")
    assert result.rc == 0, result.stderr
    return result.stdout


def test_ufw_active_with_default_deny(host):
    status = _status(host)
    assert "Status: active" in status
    assert "Default: deny (incoming), allow (outgoing)" in status


def test_ufw_service_enabled_and_running(host):
    service = host.service("ufw")
    assert service.is_enabled
    assert service.is_running


def test_logging_level(host):
    expected = "Logging: on (medium)" if host.backend.get_hostname() == "firewall-deb13" else "Logging: on (low)"
    assert expected in _status(host)


def test_ssh_rule(host):
    lines = _status(host).splitlines()
    if host.backend.get_hostname() == "firewall-deb13":
        assert any(line.split()[:4] == ["22/tcp", "LIMIT", "IN", "10.213.77.0/24"] for line in lines)
        assert any(line.split()[:4] == ["22/tcp", "LIMIT", "IN", "172.16.0.0/12"] for line in lines)
        assert not any(line.startswith("22/tcp") and "Anywhere" in line for line in lines)
    else:
        assert any(line.split()[:4] == ["22/tcp", "ALLOW", "IN", "Anywhere"] for line in lines)


def test_docker_network_rule(host):
    status = _status(host)
    cidr = "172.31.254.0/24" if host.backend.get_hostname() == "firewall-deb13" else "172.31.253.0/24"
    assert any(line.split()[:4] == ["11434/tcp", "ALLOW", "IN", cidr] for line in status.splitlines())


def test_gateway_and_extra_rules(host):
    lines = _status(host).splitlines()
    if host.backend.get_hostname() == "firewall-deb13":
        assert any(line.split()[:4] == ["80/tcp", "ALLOW", "IN", "10.213.77.0/24"] for line in lines)
        assert any(line.split()[:4] == ["9100/tcp", "ALLOW", "IN", "10.213.77.0/24"] for line in lines)
    else:
        assert not any(line.startswith("80/tcp") or line.startswith("443/tcp") for line in lines)


def test_rules_carry_the_marker(host):
    rules = [line for line in _status(host).splitlines() if " IN " in line and "2222" not in line]
    assert rules
    assert all("# localllm.ollama.firewall" in line for line in rules)


def test_listeners_are_up_locally(host):
    # loopback is never filtered: the stand-ins answer, so a timeout below is the firewall
    for port in (11434, 80):
        result = host.run("curl -s -o /dev/null -w '%%{http_code}' --max-time 3 http://127.0.0.1:%d/" % port)
        assert result.stdout.strip() == "200", result.stderr


@pytest.mark.parametrize("target", SERVERS)
def test_gateway_reaches_ollama(gw, target):
    assert _curl(gw, target, 11434) == (0, "200")


@pytest.mark.parametrize("target", SERVERS)
def test_outsider_times_out_on_ollama(outsider, target):
    rc, _body = _curl(outsider, target, 11434)
    assert rc == 28, "expected a timeout (dropped), curl exit %d" % rc


def test_outsider_reaches_gateway_port_only_on_gateway_host(outsider):
    assert _curl(outsider, "firewall-deb13", 80) == (0, "200")
    rc, _body = _curl(outsider, "firewall-deb12", 80)
    assert rc == 28, "port 80 on a non-gateway host must be dropped, curl exit %d" % rc


def test_stale_rule_removed_hand_rule_kept(host):
    # side_effect.yml adds both on firewall-deb12 and converges again
    if host.backend.get_hostname() != "firewall-deb12":
        pytest.skip("side effect only on firewall-deb12")
    status = _status(host)
    assert "10.99.0.0/16" not in status
    assert "10.98.0.0/16" in status


# deny/reject/limit extra rules are kept at the top of UFW's list, before the role's allows (issue #12, item 11).

def _numbered(host):
    """The rules of `ufw status numbered` in order, without the "[ n]" prefix."""
    result = host.run("ufw status numbered")
    assert result.rc == 0, result.stderr
    return [re.sub(r"^\[\s*\d+\]\s*", "", line) for line in result.stdout.splitlines() if line.startswith("[")]


def _address(container):
    return container.check_output("hostname -I").split()[0]


def test_deny_extra_rule_is_first_and_wins_over_the_role_allow(host, outsider):
    if host.backend.get_hostname() != "firewall-deb13":
        pytest.skip("the deny extra rule is on firewall-deb13")
    lines = _numbered(host)
    address = _address(outsider)
    # the role's allow covers the outsider's address ...
    assert any("11434/tcp" in line and "ALLOW IN" in line and "10.213.77.0/24" in line for line in lines), lines
    # ... and the deny for that address comes first (side_effect.yml moved it to the end; the re-run moved it back)
    assert lines[0].split()[0:3] == ["11434/tcp", "DENY", "IN"] and address in lines[0], lines


def test_outsider_is_denied_despite_the_network_allow(gw, outsider):
    # the allow for 10.213.77.0/24 would let the outsider in; the deny before it drops it (curl times out)
    rc, _body = _curl(outsider, "firewall-deb13", 11434)
    assert rc == 28, "the deny rule for the outsider did not match, curl exit %d" % rc
    assert _curl(gw, "firewall-deb13", 11434) == (0, "200")


def test_reject_extra_rule_is_first_in_both_families(host):
    if host.backend.get_hostname() != "firewall-deb12":
        pytest.skip("the reject extra rule is on firewall-deb12")
    lines = _numbered(host)
    assert lines[0].split()[0:3] == ["9/tcp", "REJECT", "IN"], lines
    v6 = [line for line in lines if "(v6)" in line]
    assert v6 and v6[0].split()[0:3] == ["9/tcp", "(v6)", "REJECT"], lines


def test_reject_extra_rule_answers_at_once(outsider):
    # rejected (connection refused, curl exit 7), not dropped by the default policy (timeout, exit 28)
    rc, _body = _curl(outsider, "firewall-deb12", 9)
    assert rc == 7, "expected the reject rule to refuse the connection, curl exit %d" % rc
