# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Internal to the localllm.ollama playbooks (site, preflight, upgrade, diagnose): not a public API, may change in
any release.

Filters that read the inventory across roles:

- ``_fleet_gateways``: the gateways whose ``gateway_upstream_group`` holds a given Ollama server.
"""

from __future__ import annotations

from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import filter_table


def fleet_gateways(host, groups, hostvars, gateway_group="ollama_gateways"):
    """Gateways of the inventory whose ``gateway_upstream_group`` holds ``host`` (in inventory order).

    ``groups`` and ``hostvars`` are the magic variables. A gateway without gateway_upstream_group proxies to its
    own Ollama and is not returned.
    """
    found = []
    for gateway in groups.get(gateway_group) or []:
        upstream_group = hostvars[gateway].get("gateway_upstream_group") or ""
        if upstream_group and host in (groups.get(upstream_group) or []):
            found.append(gateway)
    return found


class FilterModule(object):
    """Internal filters of the localllm.ollama playbooks."""

    def filters(self):
        return filter_table({"_fleet_gateways": fleet_gateways})
