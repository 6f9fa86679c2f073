# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the internal filters of the localllm.ollama.firewall role (plugins/filter/_firewall.py)."""

from __future__ import annotations

import binascii

import pytest

from ansible_collections.localllm.ollama.plugins.filter import _firewall


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


def test_the_firewall_filters_are_internal_and_in_one_file():
    assert sorted(_firewall.FilterModule().filters()) == [
        "_firewall_address_in_cidrs", "_firewall_docker_cidrs", "_firewall_host_address", "_firewall_lockout_rules",
        "_firewall_ufw_plan",
    ]


# The plan of a converged host (move_delete and insert were added with the top rules: deny/reject/limit extras).
NOTHING = {"add": [], "delete": [], "move_delete": [], "insert": []}


def _rule(port, src="any", rule="allow", comment=MARK + " x", proto="tcp"):
    return {"rule": rule, "port": port, "proto": proto, "from": src, "to": "any", "comment": comment}


def test_parse_tuples_decodes_comment_and_normalises_any():
    rules = _firewall.parse_tuples(TUPLES)
    assert len(rules) == 5
    assert rules[0]["from"] == "any" and rules[0]["comment"] == MARK + " ssh"
    assert rules[4]["from"] == "any" and rules[4]["to"] == "any"
    assert rules[1]["from"] == "10.1.2.3"
    assert rules[3]["rule"] == "limit"
    assert all(rule["simple"] for rule in rules)


def test_converged_host_needs_nothing():
    wanted = [_rule(22), _rule(11434, "10.1.2.3/32"), _rule(80, "10.0.0.0/8"), _rule(22, "10.0.0.0/8", "limit")]
    assert _firewall.ufw_plan(TUPLES, wanted) == NOTHING


def test_missing_rules_are_added_in_order_once():
    wanted = [_rule(22), _rule(443, "10.0.0.0/8"), _rule(11434, "10.1.2.4"), _rule(443, "10.0.0.0/8"),
              _rule(11434, "10.1.2.3")]
    plan = _firewall.ufw_plan(TUPLES, wanted)
    assert [(r["port"], r["from"]) for r in plan["add"]] == [("443", "10.0.0.0/8"), ("11434", "10.1.2.4")]
    assert plan["delete"] == []


def test_action_matters():
    # allow 22 from 10/8 is not the existing limit rule
    plan = _firewall.ufw_plan(TUPLES, [_rule(22), _rule(11434, "10.1.2.3"), _rule(22, "10.0.0.0/8")])
    assert [(r["rule"], r["from"]) for r in plan["add"]] == [("allow", "10.0.0.0/8")]


def test_only_managed_stale_rules_are_deleted():
    plan = _firewall.ufw_plan(TUPLES, [_rule(22)])
    # the managed ollama rule goes; the hand-made 80 and limit rules stay
    assert plan["delete"] == [{"rule": "allow", "proto": "tcp", "port": "11434", "from": "10.1.2.3", "to": "any",
                               "comment": MARK + " ollama"}]


def test_v4_and_v6_tuples_of_one_rule_are_deleted_once():
    plan = _firewall.ufw_plan(TUPLES, [_rule(11434, "10.1.2.3")])
    assert [(r["port"], r["from"]) for r in plan["delete"]] == [("22", "any")]


def test_remove_stale_false_keeps_everything():
    assert _firewall.ufw_plan(TUPLES, [], remove_stale=False) == NOTHING


def test_other_marker_is_not_ours():
    assert _firewall.ufw_plan(TUPLES, [], marker="someone.else") == NOTHING


def test_empty_state_adds_everything():
    plan = _firewall.ufw_plan("", [_rule(22), _rule(11434, "192.168.1.0/24")])
    assert len(plan["add"]) == 2 and plan["delete"] == []
    assert _firewall.ufw_plan(None, [])["add"] == []


def test_interface_and_route_rules_are_never_matched_or_deleted():
    text = "### tuple ### allow_in_eth0 tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=" + _hex(MARK + " ssh")
    plan = _firewall.ufw_plan(text, [_rule(22)])
    assert len(plan["add"]) == 1 and plan["delete"] == []


def test_ipv6_source_is_normalised():
    text = "### tuple ### allow tcp 11434 ::/0 any 2001:db8::/32 in"
    assert _firewall.ufw_plan(text, [_rule(11434, "2001:DB8::/32")])["add"] == []


def test_port_range_and_proto_any():
    text = "### tuple ### allow udp 8000:8010 0.0.0.0/0 any 0.0.0.0/0 in\n### tuple ### allow any 9 0.0.0.0/0 any 0.0.0.0/0 in"
    wanted = [_rule("8000:8010", proto="udp"), _rule(9, proto="any")]
    assert _firewall.ufw_plan(text, wanted)["add"] == []
    assert len(_firewall.ufw_plan(text, [_rule("8000:8010", proto="tcp")])["add"]) == 1


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
    assert _firewall.docker_cidrs(facts) == ["10.5.0.0/24", "172.17.0.0/16", "172.18.0.0/16"]


def test_docker_cidrs_none():
    assert _firewall.docker_cidrs(_facts()) == []
    assert _firewall.docker_cidrs({}) == []
    assert _firewall.docker_cidrs(_facts(docker0={})) == []


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
    assert _firewall.host_address(candidates) == expected


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
    assert _firewall.address_in_cidrs(address, cidrs) is expected


# ---------------------------------------------------------------------------------------------------------------
# deny/reject/limit extra rules ("top" rules) must come before the role's allows (issue #12, item 11)
# ---------------------------------------------------------------------------------------------------------------
class FakeUfw(object):
    """The two rule lists of UFW (user.rules, user6.rules) and what community.general.ufw does to them, as ufw 0.36.2
    behaves (checked on Debian 12): `insert N` numbers the IPv4 rules first, then the IPv6 ones, and refuses a number
    past the end of the rule's family; a rule from 0.0.0.0/0 or ::/0 lives in one family, from any in both."""

    def __init__(self, v4=(), v6=()):
        self.lists = {"v4": list(v4), "v6": list(v6)}

    @staticmethod
    def _families(rule):
        versions = set()
        for field in ("from", "to"):
            value = rule[field]
            if value in ("0.0.0.0/0",) or (value != "any" and ":" not in value):
                versions.add("v4")
            elif value != "any":
                versions.add("v6")
        return sorted(versions) or ["v4", "v6"]

    @staticmethod
    def _tuple(rule, family):
        def addr(value):
            if value in ("any", "0.0.0.0/0", "::/0"):
                return "0.0.0.0/0" if family == "v4" else "::/0"
            return value
        return (rule["rule"], rule["proto"], rule["port"], addr(rule["to"]), "any", addr(rule["from"]), "in",
                rule.get("comment", ""))

    def _same(self, a, b):
        return a[:7] == b[:7]

    def delete(self, rule):
        for family in self._families(rule):
            t = self._tuple(rule, family)
            self.lists[family] = [x for x in self.lists[family] if not self._same(x, t)]

    def add(self, rule, position=None):
        for family in self._families(rule):
            t = self._tuple(rule, family)
            assert not any(self._same(x, t) for x in self.lists[family]), "ufw skips an existing rule: %r" % (t,)
            if position is None:
                self.lists[family].append(t)
                continue
            n4 = len(self.lists["v4"])
            index = position - 1 if family == "v4" else position - n4 - 1
            assert 0 <= index < len(self.lists[family]), "ufw: Invalid position '%s'" % position
            self.lists[family].insert(index, t)

    def apply(self, plan):
        """The role's order: move_delete, insert, add, (defaults, enable), delete."""
        for rule in plan["move_delete"]:
            self.delete(rule)
        for rule in plan["insert"]:
            self.add(rule, rule["position"])
        for rule in plan["add"]:
            self.add(rule)
        for rule in plan["delete"]:
            self.delete(rule)

    def tuples(self):
        lines = []
        for family, path in (("v4", "/etc/ufw/user.rules"), ("v6", "/etc/ufw/user6.rules")):
            for t in self.lists[family]:
                line = "%s:### tuple ### %s" % (path, " ".join(t[:7]))
                if t[7]:
                    line += " comment=" + _hex(t[7])
                lines.append(line)
        return "\n".join(lines)

    def order(self, family):
        return [(t[0], t[2], t[5]) for t in self.lists[family]]


def _top(port, src="any", rule="deny", comment=MARK + " extra"):
    return dict(_rule(port, src, rule, comment), top=True)


# What the role wants on a host like firewall-deb13: SSH from a LAN, the gateway port, then a deny for one
# address of that LAN on the gateway port (an extra rule), and a reject for everybody on another port.
ROLE_ALLOWS = [_rule(22, "10.213.77.0/24", comment=MARK + " ssh"), _rule(80, "10.213.77.0/24", comment=MARK + " gateway"),
               _rule(11434, "any", comment=MARK + " ollama")]


TOP = [_top(80, "10.213.77.9"), _top(9, "any", "reject")]


def _converge(ufw, wanted, runs=2):
    plans = []
    for _run in range(runs):
        plan = _firewall.ufw_plan(ufw.tuples(), wanted)
        plans.append(plan)
        ufw.apply(plan)
    return plans


def test_top_rules_go_before_the_allows_on_a_fresh_host():
    ufw = FakeUfw()
    first, second = _converge(ufw, TOP + ROLE_ALLOWS)
    assert ufw.order("v4")[:2] == [("deny", "80", "10.213.77.9"), ("reject", "9", "0.0.0.0/0")]
    assert ufw.order("v6")[0] == ("reject", "9", "::/0")
    assert second == NOTHING
    # on a fresh host every top rule is appended (ufw refuses insert numbers past the end)
    assert [r["position"] for r in first["insert"]] == [None, None, None]


def test_top_rules_are_inserted_before_existing_allows():
    # the role ran before with the allows only (or the operator adds the deny later)
    ufw = FakeUfw()
    _converge(ufw, ROLE_ALLOWS, runs=1)
    first, second = _converge(ufw, TOP + ROLE_ALLOWS)
    assert ufw.order("v4") == [("deny", "80", "10.213.77.9"), ("reject", "9", "0.0.0.0/0"),
                               ("allow", "22", "10.213.77.0/24"), ("allow", "80", "10.213.77.0/24"),
                               ("allow", "11434", "0.0.0.0/0")]
    # the IPv6 copy of the reject is the first IPv6 rule, not after the IPv6 allow
    assert ufw.order("v6") == [("reject", "9", "::/0"), ("allow", "11434", "::/0")]
    assert [(r["from"], r["position"]) for r in first["insert"]] == [
        ("10.213.77.9", 1), ("0.0.0.0/0", 2), ("::/0", 6)]
    assert second == NOTHING


def test_a_top_rule_in_the_wrong_place_is_moved():
    # the deny exists but after the allow (today's role appended it; or it was re-added by hand)
    ufw = FakeUfw()
    _converge(ufw, ROLE_ALLOWS + [dict(t, top=False) for t in TOP], runs=1)
    assert ufw.order("v4")[-2:] == [("deny", "80", "10.213.77.9"), ("reject", "9", "0.0.0.0/0")]
    first, second = _converge(ufw, TOP + ROLE_ALLOWS)
    assert [(r["rule"], r["from"], r["family"]) for r in first["move_delete"]] == [
        ("deny", "10.213.77.9", "v4"), ("reject", "0.0.0.0/0", "v4"), ("reject", "::/0", "v6")]
    assert ufw.order("v4")[:2] == [("deny", "80", "10.213.77.9"), ("reject", "9", "0.0.0.0/0")]
    assert ufw.order("v6")[0] == ("reject", "9", "::/0")
    assert len(ufw.order("v4")) == 5 and len(ufw.order("v6")) == 2
    assert second == NOTHING


def test_only_the_family_in_the_wrong_place_is_touched():
    ufw = FakeUfw()
    _converge(ufw, TOP + ROLE_ALLOWS, runs=1)
    # someone moves the IPv6 copy of the reject to the end
    ufw.lists["v6"].append(ufw.lists["v6"].pop(0))
    plan = _firewall.ufw_plan(ufw.tuples(), TOP + ROLE_ALLOWS)
    assert [(r["from"], r["family"]) for r in plan["move_delete"]] == [("::/0", "v6")]
    assert [(r["from"], r["position"]) for r in plan["insert"]] == [("::/0", 6)]
    ufw.apply(plan)
    assert ufw.order("v6")[0] == ("reject", "9", "::/0")
    assert _firewall.ufw_plan(ufw.tuples(), TOP + ROLE_ALLOWS) == NOTHING


def test_top_rules_keep_their_order_and_a_hand_made_rule_above_them_is_passed():
    ufw = FakeUfw()
    _converge(ufw, TOP + ROLE_ALLOWS, runs=1)
    # a hand-made allow inserted at the very top would shadow the deny
    ufw.lists["v4"].insert(0, ("allow", "tcp", "80", "0.0.0.0/0", "any", "10.213.77.0/24", "in", ""))
    plan = _firewall.ufw_plan(ufw.tuples(), TOP + ROLE_ALLOWS)
    ufw.apply(plan)
    assert ufw.order("v4")[:3] == [("deny", "80", "10.213.77.9"), ("reject", "9", "0.0.0.0/0"),
                                   ("allow", "80", "10.213.77.0/24")]
    assert _firewall.ufw_plan(ufw.tuples(), TOP + ROLE_ALLOWS) == NOTHING


def test_top_rules_without_ipv6():
    plan = _firewall.ufw_plan("", [_top(9, "any", "reject")], ipv6=False)
    assert [(r["from"], r["family"]) for r in plan["insert"]] == [("0.0.0.0/0", "v4")]
    tuples = "/etc/ufw/user.rules:### tuple ### reject tcp 9 0.0.0.0/0 any 0.0.0.0/0 in"
    assert _firewall.ufw_plan(tuples, [_top(9, "any", "reject")], ipv6=False) == NOTHING


def test_top_rules_are_never_stale_and_lines_without_file_prefix_still_parse():
    assert _firewall.parse_tuples(TUPLES)[4]["family"] == "v4"
    assert _firewall.parse_tuples("/etc/ufw/user6.rules:" + TUPLES.splitlines()[4])[0]["family"] == "v6"
    plan = _firewall.ufw_plan(FakeUfw().tuples(), [_top(22, "10.9.0.0/16")])
    assert plan["delete"] == [] and plan["add"] == []


# ---------------------------------------------------------------------------------------------------------------
# firewall_lockout_rules: deny/reject rules that would cut the running SSH connection
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rule, client, server, hit",
    [
        ({"rule": "deny", "port": 22, "from": "192.168.1.0/24"}, "192.168.1.7", "", True),
        ({"rule": "reject", "port": "20:30", "from": "any"}, "192.168.1.7", "", True),
        ({"rule": "deny", "port": 22, "proto": "any"}, "", "", True),             # from any, client unknown
        ({"rule": "deny", "port": 22, "from": "10.0.0.0/8"}, "192.168.1.7", "", False),
        ({"rule": "deny", "port": 22, "from": "10.0.0.0/8"}, "", "", False),     # client unknown: only "any" counts
        ({"rule": "deny", "port": 2222, "from": "any"}, "192.168.1.7", "", False),
        ({"rule": "deny", "port": 22, "proto": "udp"}, "192.168.1.7", "", False),
        ({"rule": "limit", "port": 22}, "192.168.1.7", "", False),
        ({"rule": "allow", "port": 22}, "192.168.1.7", "", False),
        ({"port": 22}, "192.168.1.7", "", False),                                 # default rule: allow
        ({"rule": "deny", "port": 22, "to": "10.1.1.1"}, "192.168.1.7", "10.1.1.2", False),
        ({"rule": "deny", "port": 22, "to": "10.1.1.0/24"}, "192.168.1.7", "10.1.1.2", True),
        ({"rule": "deny", "port": 22, "to": "10.1.1.1"}, "192.168.1.7", "", True),  # server unknown: counts
        ({"rule": "deny", "port": 22, "from": "192.168.1.7"}, "::ffff:192.168.1.7", "", True),
    ],
)
def test_lockout_rules(rule, client, server, hit):
    assert _firewall.lockout_rules([rule], 22, client, server) == ([rule] if hit else [])
