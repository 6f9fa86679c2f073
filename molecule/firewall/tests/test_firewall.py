# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify the firewall scenario from inside the firewalled hosts and from the gateway and outsider containers.

Traffic goes only to this scenario's containers (network firewall-net, 10.213.77.0/24).
"""

from __future__ import annotations

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
