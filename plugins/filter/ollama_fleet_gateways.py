# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_fleet_gateways
short_description: The gateways of an inventory that proxy to a given Ollama server
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Returns the hosts of O(gateway_group) whose C(gateway_upstream_group) variable names a group that holds the
    input host. A gateway without C(gateway_upstream_group) proxies to its own Ollama and is not returned."
options:
  _input:
    description:
      - >-
        Inventory name of the Ollama server.
    type: str
    required: true
  groups:
    description:
      - >-
        The C(groups) magic variable.
    type: dict
    required: true
  hostvars:
    description:
      - >-
        The C(hostvars) magic variable.
    type: dict
    required: true
  gateway_group:
    description:
      - >-
        Inventory group of the gateways.
    type: str
    default: ollama_gateways
"""

EXAMPLES = r"""
gateways: "{{ inventory_hostname | localllm.ollama.ollama_fleet_gateways(groups, hostvars) }}"
"""

RETURN = r"""
_value:
  description: >-
    Inventory names of the gateways, in inventory order.
  type: list
  elements: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_fleet_gateways = logic.as_filter("ollama_fleet_gateways", logic.fleet_gateways)


class FilterModule:
    """The gateways of an inventory that proxy to a given Ollama server"""

    def filters(self):
        return {"ollama_fleet_gateways": ollama_fleet_gateways}
