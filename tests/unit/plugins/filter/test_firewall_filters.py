# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import binascii

import pytest

from ansible_collections.localllm.ollama.plugins.filter import (
    firewall_address_in_cidrs as inside_plugin,
    firewall_docker_cidrs as docker_plugin,
    firewall_host_address as address_plugin,
    firewall_ufw_plan as plan_plugin,
)
from ansible_collections.localllm.ollama.plugins.filter.firewall_address_in_cidrs import firewall_address_in_cidrs
from ansible_collections.localllm.ollama.plugins.filter.firewall_docker_cidrs import firewall_docker_cidrs
from ansible_collections.localllm.ollama.plugins.filter.firewall_host_address import firewall_host_address
from ansible_collections.localllm.ollama.plugins.filter.firewall_ufw_plan import firewall_ufw_plan, parse_tuples

MARK = "localllm.ollama.firewall"


def _hex(text):
    return binascii.hexlify(text.encode()).decode()


# Real lines written by ufw 0.36.2 (Debian 12 and 13) for:
#   ufw allow 22/tcp comment 'localllm.ollama.firewall ssh'
#   ufw allow from 10.1.2.3 to any port 11434 proto tcp comment 'localllm.ollama.firewall ollama'
#   ufw allow proto tcp from 10.0.0.0/8 to any port 80            (by hand, no comment)
#   ufw limit proto tcp from 10.0.0.0/8 to any port 22
TUPLES = "\n".join([
    "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=" + _hex(MARK + " ssh"),
    "### tuple ### allow tcp 11434 0.0.0.0/0 any 10.1.2.3 in comment=" + _hex(MARK + " ollama"),
    "### tuple ### allow tcp 80 0.0.0.0/0 any 10.0.0.0/8 in",
    "### tuple ### limit tcp 22 0.0.0.0/0 any 10.0.0.0/8 in",
    "### tuple ### allow tcp 22 ::/0 any ::/0 in comment=" + _hex(MARK + " ssh"),
])


def _rule(port, src="any", rule="allow", comment=MARK + " x", proto="tcp"):
    return {"rule": rule, "port": port, "proto": proto, "from": src, "to": "any", "comment": comment}


def test_filters_are_registered_one_per_file():
    assert list(plan_plugin.FilterModule().filters()) == ["firewall_ufw_plan"]
    assert list(docker_plugin.FilterModule().filters()) == ["firewall_docker_cidrs"]
    assert list(address_plugin.FilterModule().filters()) == ["firewall_host_address"]


def test_parse_tuples_decodes_comment_and_normalises_any():
    rules = parse_tuples(TUPLES)
    assert len(rules) == 5
    assert rules[0]["from"] == "any" and rules[0]["comment"] == MARK + " ssh"
    assert rules[4]["from"] == "any" and rules[4]["to"] == "any"
    assert rules[1]["from"] == "10.1.2.3"
    assert rules[3]["rule"] == "limit"
    assert all(rule["simple"] for rule in rules)


def test_converged_host_needs_nothing():
    wanted = [_rule(22), _rule(11434, "10.1.2.3/32"), _rule(80, "10.0.0.0/8"), _rule(22, "10.0.0.0/8", "limit")]
    assert firewall_ufw_plan(TUPLES, wanted) == {"add": [], "delete": []}


def test_missing_rules_are_added_in_order_once():
    wanted = [_rule(22), _rule(443, "10.0.0.0/8"), _rule(11434, "10.1.2.4"), _rule(443, "10.0.0.0/8"),
              _rule(11434, "10.1.2.3")]
    plan = firewall_ufw_plan(TUPLES, wanted)
    assert [(r["port"], r["from"]) for r in plan["add"]] == [("443", "10.0.0.0/8"), ("11434", "10.1.2.4")]
    assert plan["delete"] == []


def test_action_matters():
    # allow 22 from 10/8 is not the existing limit rule
    plan = firewall_ufw_plan(TUPLES, [_rule(22), _rule(11434, "10.1.2.3"), _rule(22, "10.0.0.0/8")])
    assert [(r["rule"], r["from"]) for r in plan["add"]] == [("allow", "10.0.0.0/8")]


def test_only_managed_stale_rules_are_deleted():
    plan = firewall_ufw_plan(TUPLES, [_rule(22)])
    # the managed ollama rule goes; the hand-made 80 and limit rules stay
    assert plan["delete"] == [{"rule": "allow", "proto": "tcp", "port": "11434", "from": "10.1.2.3", "to": "any",
                               "comment": MARK + " ollama"}]


def test_v4_and_v6_tuples_of_one_rule_are_deleted_once():
    plan = firewall_ufw_plan(TUPLES, [_rule(11434, "10.1.2.3")])
    assert [(r["port"], r["from"]) for r in plan["delete"]] == [("22", "any")]


def test_remove_stale_false_keeps_everything():
    assert firewall_ufw_plan(TUPLES, [], remove_stale=False) == {"add": [], "delete": []}


def test_other_marker_is_not_ours():
    assert firewall_ufw_plan(TUPLES, [], marker="someone.else") == {"add": [], "delete": []}


def test_empty_state_adds_everything():
    plan = firewall_ufw_plan("", [_rule(22), _rule(11434, "192.168.1.0/24")])
    assert len(plan["add"]) == 2 and plan["delete"] == []
    assert firewall_ufw_plan(None, [])["add"] == []


def test_interface_and_route_rules_are_never_matched_or_deleted():
    text = "### tuple ### allow_in_eth0 tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=" + _hex(MARK + " ssh")
    plan = firewall_ufw_plan(text, [_rule(22)])
    assert len(plan["add"]) == 1 and plan["delete"] == []


def test_ipv6_source_is_normalised():
    text = "### tuple ### allow tcp 11434 ::/0 any 2001:db8::/32 in"
    assert firewall_ufw_plan(text, [_rule(11434, "2001:DB8::/32")])["add"] == []


def test_port_range_and_proto_any():
    text = "### tuple ### allow udp 8000:8010 0.0.0.0/0 any 0.0.0.0/0 in\n### tuple ### allow any 9 0.0.0.0/0 any 0.0.0.0/0 in"
    wanted = [_rule("8000:8010", proto="udp"), _rule(9, proto="any")]
    assert firewall_ufw_plan(text, wanted)["add"] == []
    assert len(firewall_ufw_plan(text, [_rule("8000:8010", proto="tcp")])["add"]) == 1


def _facts(**interfaces):
    facts = {"interfaces": list(interfaces) + ["lo", "eth0"],
             "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
             "eth0": {"ipv4": {"address": "192.168.1.10", "netmask": "255.255.255.0"}}}
    for name, value in interfaces.items():
        facts[name] = value
    return facts


def test_docker_cidrs_from_facts():
    facts = _facts(docker0={"ipv4": {"address": "172.17.0.1", "netmask": "255.255.0.0"}})
    facts["interfaces"].append("br-0f1e2d3c4b5a")
    facts["br_0f1e2d3c4b5a"] = {"ipv4": {"address": "172.18.0.1", "netmask": "255.255.0.0"},
                                "ipv4_secondaries": [{"address": "10.5.0.1", "netmask": "255.255.255.0"}]}
    facts["interfaces"].append("veth1234")
    facts["veth1234"] = {"ipv4": {"address": "169.254.1.1", "netmask": "255.255.0.0"}}
    assert firewall_docker_cidrs(facts) == ["10.5.0.0/24", "172.17.0.0/16", "172.18.0.0/16"]


def test_docker_cidrs_none():
    assert firewall_docker_cidrs(_facts()) == []
    assert firewall_docker_cidrs({}) == []
    assert firewall_docker_cidrs(_facts(docker0={})) == []


@pytest.mark.parametrize(
    "candidates, expected",
    [
        (["", "gw.example.com", "10.0.0.5"], "10.0.0.5"),
        (["192.168.1.2", "10.0.0.5"], "192.168.1.2"),
        ([None, "[2001:db8::1]"], "2001:db8::1"),
        (["10.0.0.0/24"], "10.0.0.0/24"),
        (["gw.example.com", ""], ""),
        ([], ""),
        (None, ""),
        ("10.1.1.1", "10.1.1.1"),
    ],
)
def test_host_address(candidates, expected):
    assert firewall_host_address(candidates) == expected


@pytest.mark.parametrize(
    "address, cidrs, expected",
    [
        ("192.168.1.7", ["10.0.0.0/8", "192.168.1.0/24"], True),
        ("192.168.2.7", ["192.168.1.0/24"], False),
        ("::ffff:192.168.1.7", ["192.168.1.0/24"], True),
        ("2001:db8::5", ["2001:db8::/32"], True),
        ("2001:db8::5", ["10.0.0.0/8"], False),
        ("10.0.0.1", ["any"], True),
        ("10.0.0.1", ["10.0.0.1"], True),
        ("", ["any"], False),
        ("not-an-ip", ["10.0.0.0/8"], False),
        ("10.0.0.1", ["bogus", "10.0.0.0/8"], True),
        ("10.0.0.1", [], False),
    ],
)
def test_address_in_cidrs(address, cidrs, expected):
    assert firewall_address_in_cidrs(address, cidrs) is expected


def test_address_in_cidrs_registered():
    assert list(inside_plugin.FilterModule().filters()) == ["firewall_address_in_cidrs"]
