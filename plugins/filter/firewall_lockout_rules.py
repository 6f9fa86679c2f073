# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter firewall_lockout_rules for the localllm.ollama.firewall role (stdlib only)."""

from __future__ import annotations

import ipaddress

DOCUMENTATION = r"""
name: firewall_lockout_rules
short_description: The deny and reject rules that would cut the running SSH connection
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - The localllm.ollama.firewall role puts C(deny) and C(reject) extra rules before its SSH rule (UFW stops at the
    first match). This filter returns those of the given rules that would match the connection Ansible is using,
    with protocol C(tcp) or C(any), a port or range that contains the SSH port, a source that contains the controller's
    address, and a destination that is C(any) or contains the server's address.
  - When the controller's address is unknown (no C(SSH_CONNECTION) in the facts) only rules from C(any) count; when
    the server's address is unknown every destination counts.
  - The role's preflight refuses a configuration for which this list is not empty.
options:
  _input:
    description: The extra rules (dicts with C(rule), C(port), C(proto), C(from), C(to)).
    type: list
    elements: dict
    required: true
  ssh_port:
    description: The SSH port in use.
    type: raw
    required: true
  client:
    description: The controller's address as the server sees it (first field of C(SSH_CONNECTION)); empty if unknown.
    type: str
    default: ''
  server:
    description: The server's address of the connection (third field of C(SSH_CONNECTION)); empty if unknown.
    type: str
    default: ''
"""

EXAMPLES = r"""
- name: Would a rule cut SSH
  ansible.builtin.debug:
    msg: "{{ [{'rule': 'deny', 'port': 22, 'from': '192.168.1.0/24'}] | localllm.ollama.firewall_lockout_rules(22, '192.168.1.7') }}"
"""

RETURN = r"""
_value:
  description: The matching rules, unchanged.
  type: list
  elements: dict
"""

_BLOCKING = ("deny", "reject")


def _address(text):
    try:
        addr = ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None
    if addr.version == 6 and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


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


def firewall_lockout_rules(rules, ssh_port, client="", server=""):
    """The deny/reject ``rules`` that match a TCP connection from ``client`` to ``server``:``ssh_port``."""
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
    """firewall_lockout_rules"""

    def filters(self):
        return {"firewall_lockout_rules": firewall_lockout_rules}
