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
  - UFW stops at the first matching rule, so a deny after an allow for the same traffic never matches. Wanted rules
    marked C(top) (the role's deny, reject and limit extra rules) must be the first rules of each address family's
    list, in the wanted order. A top rule that is missing or sits anywhere else goes into C(insert) (and its
    misplaced copy into C(move_delete)), per address family, with the absolute UFW rule number to insert at, so that
    it ends up in its place; C(ufw insert) of a rule for both families cannot be used for that, because UFW then puts
    the IPv6 copy after the IPv6 twin of the IPv4 rule it was inserted before, or at the end of the list.
options:
  _input:
    description:
      - The C(tuple) comment lines of the UFW rule files (a string or a list of lines); other lines are ignored.
      - Lines may carry the C(grep -H) file name prefix (C(/etc/ufw/user6.rules:### tuple ...)); lines from
        C(user6.rules) are the IPv6 list, all others the IPv4 list. Give both files in this order (IPv4 first).
    type: raw
    required: true
  wanted:
    description:
      - Wanted rules, dicts with C(rule), C(port), C(proto), C(from), C(to) and C(comment), and optionally C(top)
        (true for a rule that must come before every other rule).
    type: list
    elements: dict
    required: true
  ipv6:
    description: Whether UFW manages IPv6 (C(IPV6=yes) in C(/etc/default/ufw)); without it top rules are placed in the
      IPv4 list only.
    type: bool
    default: true
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
  description:
    - C(add) (wanted rules that are missing, normalised; appended) and C(delete) (managed rules to remove, as
      C(community.general.ufw) arguments C(rule), C(port), C(proto), C(from), C(to)).
    - C(move_delete) (copies of top rules in the wrong place, for one address family) and C(insert) (top rules to
      insert, for one address family, at C(position), an absolute C(ufw insert) number, or C(null) to append), in
      the order they must run; C(from) is C(0.0.0.0/0) or C(::/0) instead of C(any) so that UFW changes only
      that family.
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


def _families(rule, ipv6=True):
    """The address families ("v4", "v6") a normalised rule lives in, as UFW decides it from source and destination."""
    versions = set()
    for field in ("from", "to"):
        if rule[field] != "any":
            versions.add("v%d" % ipaddress.ip_network(rule[field], strict=False).version)
    if not versions:
        return ["v4", "v6"] if ipv6 else ["v4"]
    return sorted(versions)


def _in_family(rule, family):
    """The rule as community.general.ufw arguments that touch only ``family`` (``any`` becomes 0.0.0.0/0 or ::/0)."""
    out = {k: rule[k] for k in ("rule", "proto", "port", "from", "to", "comment")}
    if out["from"] == "any":
        out["from"] = "0.0.0.0/0" if family == "v4" else "::/0"
    out["family"] = family
    return out


def _key(rule):
    return (rule["rule"], rule["proto"], rule["port"], rule["from"], rule["to"])


def parse_tuples(text):
    """Parse ``### tuple ###`` lines into rule dicts; interface, route and source-port rules get simple=False and are never matched.

    Each rule also gets ``family``: "v6" for a line from user6.rules (``grep -H`` prefix), else "v4"."""
    if text is None:
        return []
    lines = text.splitlines() if isinstance(text, str) else list(text)
    rules = []
    for line in lines:
        line = str(line).strip()
        start = line.find("### tuple ###")
        if start < 0:
            continue
        family = "v6" if "user6.rules" in line[:start] else "v4"
        fields = line[start + len("### tuple ###"):].split()
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
            "family": family,
        })
    return rules


def _place_top_rules(present, top, ipv6):
    """Deletes and inserts (per address family) that make ``top`` the first rules of each family's list."""
    lists = {"v4": [], "v6": []}
    for rule in present:
        # every tuple counts for UFW's rule numbers; only simple rules can equal a wanted one
        lists[rule["family"]].append(_key(rule) if rule["simple"] else None)
    move_delete = []
    insert = []
    for family in ("v4", "v6"):
        wanted = [rule for rule in top if family in _families(rule, ipv6)]
        keys = [_key(rule) for rule in wanted]
        current = lists[family]
        done = 0
        while done < len(keys) and done < len(current) and current[done] == keys[done]:
            done += 1
        for rule in wanted[done:]:
            if _key(rule) in current[done:]:
                move_delete.append(_in_family(rule, family))
                current[done:] = [k for k in current[done:] if k != _key(rule)]
        for index in range(done, len(keys)):
            item = _in_family(wanted[index], family)
            if index < len(current):
                # ufw numbers the IPv4 rules first, then the IPv6 rules
                item["position"] = index + 1 + (len(lists["v4"]) if family == "v6" else 0)
            else:
                item["position"] = None  # past the end of this family's list: ufw insert refuses it, append
            insert.append(item)
            current.insert(index, keys[index])
    return move_delete, insert


def firewall_ufw_plan(current, wanted, marker="localllm.ollama.firewall", remove_stale=True, ipv6=True):
    """Return {'add', 'delete', 'move_delete', 'insert'} to turn ``current`` UFW tuples into ``wanted``."""
    present = parse_tuples(current)
    present_keys = set(_key(rule) for rule in present if rule["simple"])
    add = []
    top = []
    wanted_keys = set()
    for rule in wanted or []:
        norm = normalise_rule(rule)
        key = _key(norm)
        if key in wanted_keys:
            continue
        wanted_keys.add(key)
        if rule.get("top"):
            top.append(norm)
        elif key not in present_keys:
            add.append(norm)
    move_delete, insert = _place_top_rules(present, top, ipv6)
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
    return {"add": add, "delete": delete, "move_delete": move_delete, "insert": insert}


class FilterModule(object):
    """firewall_ufw_plan"""

    def filters(self):
        return {"firewall_ufw_plan": firewall_ufw_plan}
