# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_container_guard
short_description: DOCKER-USER rules that let only allowed sources reach the Ollama container's published port
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Docker forwards a published port with its own NAT rules, before UFW's INPUT chain sees the packet. This filter"
  - "returns the rules of the role's guard: one jump from Docker's C(DOCKER-USER) chain, taken only by connections"
  - "Docker DNATed from the published port (C(-m conntrack --ctstate DNAT --ctorigdstport PORT --ctdir ORIGINAL),"
  - "plus C(--ctorigdst ADDRESS) for a specific publish address), into the chain C(OLLAMA-DOCKER-USER), which returns"
  - "established traffic and the allowed sources to Docker's rules and drops everything else."
  - "IPv4 rules for an IPv4 publish address, IPv6 for an IPv6 one, both for C(::)."
options:
  _input:
    description:
      - >-
        The container settings of the role (C(__ollama_container_settings)): C(publish_address), C(publish_public),
        C(docker_user), C(port), C(name), C(allowed_sources) (list of dicts with C(host) and C(address), the hosts
        of C(ollama_container_allowed_group)) and C(allowed_cidrs).
    type: dict
    required: true
"""

EXAMPLES = r"""
guard: "{{ {'publish_address': '0.0.0.0', 'publish_public': true, 'port': 11434, 'name': 'ollama',
            'allowed_sources': [{'host': 'gw1', 'address': '10.0.0.5'}], 'allowed_cidrs': []}
           | localllm.ollama.ollama_container_guard }}"
# => {active: true, chain: OLLAMA-DOCKER-USER, families: [{family: ipv4, command: iptables, jump: [-p, tcp, ...],
#     rules: [[-m, conntrack, --ctstate, RELATED,ESTABLISHED, -j, RETURN], [-s, 10.0.0.5/32, -j, RETURN], [-j, DROP]]}]}
"""

RETURN = r"""
_value:
  description: >-
    C(active) (false when the port is on loopback, not public or C(docker_user) is false; then C(families) is
    empty), C(chain) and C(families), each with C(family), C(command), C(jump) and C(rules) (argument lists).
  type: dict
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as container

ollama_container_guard = logic.as_filter("ollama_container_guard", container.guard)


class FilterModule:
    """DOCKER-USER rules for the Ollama container's published port"""

    def filters(self):
        return {"ollama_container_guard": ollama_container_guard}
