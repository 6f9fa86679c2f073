# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""localllm.ollama._fleet_gateways (plugins/filter/_fleet.py): which gateways proxy to a server."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.localllm.ollama.plugins.filter import _fleet


fleet_gateways = _fleet.FilterModule().filters()["_fleet_gateways"]


GROUPS = {
    "ollama_servers": ["gpu1", "gpu2", "box"],
    "ollama_gateways": ["gw1", "gw2", "box"],
    "east": ["gpu1"],
}


HOSTVARS = {
    "gw1": {"gateway_upstream_group": "ollama_servers"},
    "gw2": {"gateway_upstream_group": "east"},
    "box": {},  # single box: proxies to its own Ollama
}


@pytest.mark.parametrize("host, expected", [
    ("gpu1", ["gw1", "gw2"]),
    ("gpu2", ["gw1"]),
    ("box", ["gw1"]),
    ("elsewhere", []),
])
def test_gateways_of_a_server(host, expected):
    assert fleet_gateways(host, GROUPS, HOSTVARS) == expected


def test_unknown_upstream_group_and_no_gateways():
    assert fleet_gateways("gpu1", {"ollama_gateways": ["gw"]}, {"gw": {"gateway_upstream_group": "x"}}) == []
    assert fleet_gateways("gpu1", {}, {}) == []


def test_other_gateway_group():
    groups = {"edge": ["gw9"], "ollama_servers": ["gpu1"]}
    assert fleet_gateways("gpu1", groups, {"gw9": {"gateway_upstream_group": "ollama_servers"}},
                          gateway_group="edge") == ["gw9"]


def test_gateway_missing_from_hostvars_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="_fleet_gateways"):
        fleet_gateways("gpu1", {"ollama_gateways": ["ghost"]}, {})
