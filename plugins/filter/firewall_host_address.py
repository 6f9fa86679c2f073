# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter firewall_host_address for the localllm.ollama.firewall role (stdlib only)."""

from __future__ import annotations

import ipaddress

DOCUMENTATION = r"""
name: firewall_host_address
short_description: The first IP literal (or CIDR) of a list of candidates
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - Returns the first candidate that is an IPv4/IPv6 address or network, or an empty string when none is.
  - Used to pick a host's source address from C(firewall_address), C(ansible_host) (which may be a DNS name) and the
    default IPv4 fact, in that order.
options:
  _input:
    description: Candidates, in order of preference; empty and undefined entries are skipped.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Address of a host
  ansible.builtin.debug:
    msg: "{{ [hostvars[h]['firewall_address'] | default(''), hostvars[h]['ansible_host'] | default('')]
             | localllm.ollama.firewall_host_address }}"
"""

RETURN = r"""
_value:
  description: The address (as written, without surrounding brackets), or an empty string.
  type: str
"""


def firewall_host_address(candidates):
    """Return the first entry of ``candidates`` that parses as an IP address or network."""
    if candidates is None:
        return ""
    if isinstance(candidates, (str, bytes)):
        candidates = [candidates]
    for candidate in candidates:
        if candidate is None:
            continue
        text = str(candidate).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        if not text:
            continue
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        return text
    return ""


class FilterModule(object):
    """firewall_host_address"""

    def filters(self):
        return {"firewall_host_address": firewall_host_address}
