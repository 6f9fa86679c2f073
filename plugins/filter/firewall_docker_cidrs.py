# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter firewall_docker_cidrs for the localllm.ollama.firewall role (stdlib only)."""

from __future__ import annotations

import ipaddress
import re

DOCUMENTATION = r"""
name: firewall_docker_cidrs
short_description: IPv4 networks of the local Docker bridges, from gathered facts
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - Reads C(ansible_facts) and returns the IPv4 networks (CIDR, host bits zero) of the interfaces whose names match
    O(pattern) (by default C(docker0) and the C(br-<id>) bridges of user-defined Docker networks), sorted.
  - Containers on those networks (for example Dify or OpenHands next to Ollama) reach the host from these addresses.
options:
  _input:
    description: The host's C(ansible_facts).
    type: dict
    required: true
  pattern:
    description: Regular expression an interface name must match (from its start).
    type: str
    default: '(docker0|br-[0-9a-f]+)$'
"""

EXAMPLES = r"""
- name: Docker networks
  ansible.builtin.debug:
    msg: "{{ ansible_facts | localllm.ollama.firewall_docker_cidrs }}"
"""

RETURN = r"""
_value:
  description: The networks, e.g. C(['172.17.0.0/16']).
  type: list
  elements: str
"""


def firewall_docker_cidrs(facts, pattern=r"(docker0|br-[0-9a-f]+)$"):
    """Return the sorted IPv4 CIDRs of the Docker bridge interfaces found in ``facts``."""
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


class FilterModule(object):
    """firewall_docker_cidrs"""

    def filters(self):
        return {"firewall_docker_cidrs": firewall_docker_cidrs}
