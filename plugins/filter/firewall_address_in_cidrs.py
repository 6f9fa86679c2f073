# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter firewall_address_in_cidrs for the localllm.ollama.firewall role (stdlib only)."""

from __future__ import annotations

import ipaddress

DOCUMENTATION = r"""
name: firewall_address_in_cidrs
short_description: Tell whether an address lies inside one of a list of networks
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - True when the address is inside at least one of the networks (C(any) matches everything).
  - Used by the localllm.ollama.firewall preflight to refuse an SSH source list that would lock out the controller.
  - An invalid address or network never matches.
options:
  _input:
    description: An IPv4/IPv6 address (an IPv4-mapped IPv6 address counts as IPv4).
    type: str
    required: true
  cidrs:
    description: Networks or addresses.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Is the controller allowed
  ansible.builtin.debug:
    msg: "{{ '192.168.1.7' | localllm.ollama.firewall_address_in_cidrs(['192.168.1.0/24']) }}"
"""

RETURN = r"""
_value:
  description: Whether the address is inside.
  type: bool
"""


def firewall_address_in_cidrs(address, cidrs):
    """True when ``address`` is inside one of ``cidrs``."""
    try:
        addr = ipaddress.ip_address(str(address).strip())
    except ValueError:
        return False
    if getattr(addr, "ipv4_mapped", None) is not None:
        addr = addr.ipv4_mapped
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


class FilterModule(object):
    """firewall_address_in_cidrs"""

    def filters(self):
        return {"firewall_address_in_cidrs": firewall_address_in_cidrs}
