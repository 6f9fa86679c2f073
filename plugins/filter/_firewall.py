# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Internal to localllm.ollama.firewall: not a public API, may change in any release.

Filters (stdlib only; each function's docstring says more):

- ``_firewall_ufw_plan``: compare the wanted UFW rules with the tuples UFW already has (add, delete, insert, move).
- ``_firewall_docker_cidrs``: IPv4 networks of the host's Docker bridges, from gathered facts.
- ``_firewall_host_address``: the first IP address or network of a list of candidates.
- ``_firewall_address_in_cidrs``: whether an address lies inside one of a list of networks.
- ``_firewall_lockout_rules``: the deny and reject rules that would cut the running SSH connection.
"""

from __future__ import annotations

import binascii
import ipaddress
import re

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import strip_brackets
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import filter_table

# --------------------------------------------------------------------------------------------- UFW plan

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
    """A port, port range or protocol, lower case; empty or None is ``any``."""
    text = str(value if value is not None else "any").strip().lower()
    return "any" if text in ("", "any") else text


_proto = _port


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


def ufw_plan(current, wanted, marker="localllm.ollama.firewall", remove_stale=True, ipv6=True):
    """Return {'add', 'delete', 'move_delete', 'insert'} to turn ``current`` UFW tuples into ``wanted``.

    ``current``: the ``### tuple ###`` lines of user.rules and user6.rules (a string or a list; ``grep -H`` prefixes
    tell the IPv6 list apart). ``wanted``: dicts with rule, port, proto, from, to, comment and optionally ``top``
    (must come before every other rule). Rules compare on action, protocol, port, source and destination; the
    comment is ignored and 0.0.0.0/0 and ::/0 both mean ``any``. ``add`` holds missing rules (appended) and
    ``delete`` managed rules (comment starting with ``marker``) no longer wanted, when ``remove_stale``. UFW stops at
    the first match, so top rules that are missing or misplaced go into ``insert`` (per address family, with the
    absolute ``ufw insert`` position or None to append) and their misplaced copies into ``move_delete``; without
    ``ipv6`` (IPV6=no in /etc/default/ufw) they are placed in the IPv4 list only. Lets the role call
    community.general.ufw only for rules that change (community.general issue 5205).
    """
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


# --------------------------------------------------------------------------------------------- addresses


def _address(text):
    """The IP address ``text`` (an IPv4-mapped IPv6 address as IPv4), or None."""
    try:
        addr = ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None
    if addr.version == 6 and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def address_in_cidrs(address, cidrs):
    """True when ``address`` is inside one of ``cidrs`` (``any`` matches everything; invalid entries never match).

    Preflight uses it to refuse an SSH source list that would lock out the controller."""
    addr = _address(address)
    if addr is None:
        return False
    for cidr in cidrs or []:
        text = str(cidr).strip()
        if text.lower() == "any":
            return True
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if network.version == addr.version and addr in network:
            return True
    return False


def host_address(candidates):
    """Return the first entry of ``candidates`` that parses as an IP address or network ('' when none does).

    Picks a host's source address from firewall_address, ansible_host (maybe a DNS name) and the default IPv4 fact."""
    if candidates is None:
        return ""
    if isinstance(candidates, (str, bytes)):
        candidates = [candidates]
    for candidate in candidates:
        if candidate is None:
            continue
        text = strip_brackets(str(candidate).strip())
        if not text:
            continue
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        return text
    return ""


def docker_cidrs(facts, pattern=r"(docker0|br-[0-9a-f]+)$"):
    """Return the sorted IPv4 CIDRs of the Docker bridge interfaces found in ``facts`` (ansible_facts).

    ``pattern`` must match the interface name from its start: docker0 and the br-<id> bridges of user-defined
    networks by default. Containers on them (Dify, OpenHands next to Ollama) reach the host from these networks."""
    if not facts:
        return []
    regexp = re.compile(pattern)
    cidrs = set()
    for name in facts.get("interfaces") or []:
        if not regexp.match(str(name)):
            continue
        data = facts.get(str(name).replace("-", "_").replace(".", "_")) or {}
        ipv4 = data.get("ipv4") or {}
        entries = [ipv4] + list(data.get("ipv4_secondaries") or [])
        for entry in entries:
            address = entry.get("address")
            netmask = entry.get("netmask")
            if not address or not netmask:
                continue
            try:
                network = ipaddress.ip_network("%s/%s" % (address, netmask), strict=False)
            except ValueError:
                continue
            cidrs.add(network)
    return [str(network) for network in sorted(cidrs)]


# --------------------------------------------------------------------------------------------- SSH lockout

_BLOCKING = ("deny", "reject")


def _contains(cidr, address, unknown):
    """Whether ``cidr`` (or any) contains ``address``; ``unknown`` when the address is not known."""
    text = str(cidr if cidr is not None else "any").strip().lower()
    if text in ("any", "", "0.0.0.0/0", "::/0"):
        return True
    if address is None:
        return unknown
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return network.version == address.version and address in network


def _port_matches(port, ssh_port):
    text = str(port if port is not None else "any").strip().lower()
    if text in ("", "any"):
        return True
    try:
        want = int(str(ssh_port).strip())
        if ":" in text:
            low, high = text.split(":", 1)
            return int(low) <= want <= int(high)
        return int(text) == want
    except ValueError:
        return False


def lockout_rules(rules, ssh_port, client="", server=""):
    """The deny/reject ``rules`` that match a TCP connection from ``client`` to ``server``:``ssh_port``.

    The role puts its deny and reject extra rules before the SSH rule (UFW stops at the first match); preflight
    refuses rules that would cut the connection Ansible uses. ``client`` / ``server`` are the first and third fields of
    SSH_CONNECTION: an unknown client only matches rules from ``any``, an unknown server matches every destination.
    """
    client_addr = _address(client) if client else None
    server_addr = _address(server) if server else None
    out = []
    for rule in rules or []:
        if str(rule.get("rule", "allow")).strip().lower() not in _BLOCKING:
            continue
        if str(rule.get("proto", "tcp")).strip().lower() not in ("tcp", "any"):
            continue
        if not _port_matches(rule.get("port"), ssh_port):
            continue
        if not _contains(rule.get("from"), client_addr, unknown=False):
            continue
        if not _contains(rule.get("to"), server_addr, unknown=True):
            continue
        out.append(rule)
    return out


class FilterModule(object):
    """Internal filters of the localllm.ollama.firewall role."""

    def filters(self):
        return filter_table({
            "_firewall_ufw_plan": ufw_plan,
            "_firewall_docker_cidrs": docker_cidrs,
            "_firewall_host_address": host_address,
            "_firewall_address_in_cidrs": address_in_cidrs,
            "_firewall_lockout_rules": lockout_rules,
        })
