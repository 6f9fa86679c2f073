# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter firewall_ufw_plan for the localllm.ollama.firewall role (stdlib only)."""

from __future__ import annotations

import binascii
import ipaddress

DOCUMENTATION = r"""
name: firewall_ufw_plan
short_description: Compare wanted UFW rules with the rules UFW already has
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - Parses the C(tuple) comment lines of C(/etc/ufw/user.rules) and C(/etc/ufw/user6.rules) and returns which wanted
    rules are missing (C(add)) and which rules carrying the role's comment marker are no longer wanted (C(delete)).
  - Lets the role call C(community.general.ufw) only for rules that really change, so a converged host reports
    no change and UFW is not reloaded on every run (community.general issue 5205).
  - Rules are compared on action, protocol, port, source and destination; the comment is ignored (a hand-made rule
    that equals a wanted one counts as present). C(0.0.0.0/0) and C(::/0) both mean C(any).
options:
  _input:
    description: The C(tuple) comment lines of the UFW rule files (a string or a list of lines); other lines are ignored.
    type: raw
    required: true
  wanted:
    description: Wanted rules, dicts with C(rule), C(port), C(proto), C(from), C(to) and C(comment).
    type: list
    elements: dict
    required: true
  marker:
    description: Comment prefix of the rules the role manages.
    type: str
    default: localllm.ollama.firewall
  remove_stale:
    description: Whether managed rules that are no longer wanted go into C(delete).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Plan
  ansible.builtin.set_fact:
    __firewall_plan: "{{ __firewall_tuples.stdout | localllm.ollama.firewall_ufw_plan(__firewall_rules) }}"
"""

RETURN = r"""
_value:
  description: C(add) (wanted rules that are missing, normalised) and C(delete) (managed rules to remove, as
    C(community.general.ufw) arguments C(rule), C(port), C(proto), C(from), C(to)).
  type: dict
"""

_ANY = ("0.0.0.0/0", "::/0", "any", "anywhere", "")


def _addr(value):
    text = str(value if value is not None else "any").strip().lower()
    if text in _ANY:
        return "any"
    network = ipaddress.ip_network(text, strict=False)
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _port(value):
    text = str(value if value is not None else "any").strip().lower()
    return "any" if text in ("", "any") else text


def _proto(value):
    text = str(value if value is not None else "any").strip().lower()
    return "any" if text in ("", "any") else text


def normalise_rule(rule):
    """Return the comparable form of one wanted rule (dict)."""
    return {
        "rule": str(rule.get("rule", "allow")).strip().lower(),
        "proto": _proto(rule.get("proto", "tcp")),
        "port": _port(rule.get("port", "any")),
        "from": _addr(rule.get("from", "any")),
        "to": _addr(rule.get("to", "any")),
        "comment": str(rule.get("comment") or ""),
    }


def _key(rule):
    return (rule["rule"], rule["proto"], rule["port"], rule["from"], rule["to"])


def parse_tuples(text):
    """Parse ``### tuple ###`` lines into rule dicts; interface, route and source-port rules get simple=False and are never matched."""
    if text is None:
        return []
    lines = text.splitlines() if isinstance(text, str) else list(text)
    rules = []
    for line in lines:
        line = str(line).strip()
        if not line.startswith("### tuple ###"):
            continue
        fields = line[len("### tuple ###"):].split()
        comment = ""
        rest = []
        for field in fields:
            if field.startswith("comment="):
                try:
                    comment = binascii.unhexlify(field[len("comment="):]).decode("utf-8", "replace")
                except (binascii.Error, ValueError):
                    comment = field[len("comment="):]
            else:
                rest.append(field)
        if len(rest) < 7:
            continue
        action, proto, dport, dst, sport, src, direction = rest[:7]
        rules.append({
            "rule": action.split("_")[0],
            "proto": _proto(proto),
            "port": _port(dport),
            "to": _addr(dst),
            "sport": _port(sport),
            "from": _addr(src),
            "direction": direction,
            "comment": comment,
            "simple": direction == "in" and sport == "any" and "_" not in action,
        })
    return rules


def firewall_ufw_plan(current, wanted, marker="localllm.ollama.firewall", remove_stale=True):
    """Return {'add': [...], 'delete': [...]} to turn ``current`` UFW tuples into ``wanted``."""
    present = parse_tuples(current)
    present_keys = set(_key(rule) for rule in present if rule["simple"])
    add = []
    wanted_keys = set()
    for rule in wanted or []:
        norm = normalise_rule(rule)
        key = _key(norm)
        if key in wanted_keys:
            continue
        wanted_keys.add(key)
        if key not in present_keys:
            add.append(norm)
    delete = []
    if remove_stale:
        seen = set()
        for rule in present:
            key = _key(rule)
            if not rule["simple"] or not rule["comment"].startswith(marker):
                continue
            if key in wanted_keys or key in seen:
                continue
            seen.add(key)
            delete.append({k: rule[k] for k in ("rule", "proto", "port", "from", "to", "comment")})
    return {"add": add, "delete": delete}


class FilterModule(object):
    """firewall_ufw_plan"""

    def filters(self):
        return {"firewall_ufw_plan": firewall_ufw_plan}
