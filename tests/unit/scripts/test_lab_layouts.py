# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/lab.py layouts: per-host variables from tests/lab/layouts, merged group first, host second, and the
layouts the fleet test and the routing benchmark use give the servers the models issue 13 asks for."""

from __future__ import annotations

import importlib.util
import os

import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


@pytest.fixture(name="lab", scope="module")
def fixture_lab():
    spec = importlib.util.spec_from_file_location("lab", os.path.join(REPO, "scripts", "lab.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolve(text, variables):
    """Fills in {{ lab_model_* }} from the host's variables and drops {{ lab_registry }}/ (enough for these files)."""
    for key, value in variables.items():
        if key.startswith("lab_model_"):
            text = text.replace("{{ %s }}" % key, value)
    return text.replace("{{ lab_registry }}/", "")


def names(variables):
    return [resolve(m["name"] if isinstance(m, dict) else m, variables) for m in variables.get("ollama_models", [])]


def test_no_layout_is_empty(lab):
    assert lab.load_layout("") == {}


def test_host_variables_win_over_the_group(lab):
    layout = {"servers": {"x": 1, "y": 1}, "server2": {"y": 2}, "gateways": {"z": 3}}
    assert lab.layout_vars(layout, "t", "t-server1", "servers") == {"x": 1, "y": 1}
    assert lab.layout_vars(layout, "t", "t-server2", "servers") == {"x": 1, "y": 2}
    assert lab.layout_vars(layout, "t", "t-gw1", "gateways") == {"z": 3}
    assert layout["servers"] == {"x": 1, "y": 1}, "the layout itself is not changed"


def test_unknown_layout_names_the_known_ones(lab):
    with pytest.raises(SystemExit, match="heterogeneous"):
        lab.load_layout("no-such-layout")


def test_layout_must_map_hosts_to_variables(lab, tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("server1: [a, b]\n")
    with pytest.raises(SystemExit, match="must map host suffixes"):
        lab.load_layout(str(path))


def test_heterogeneous_layout(lab):
    layout = lab.load_layout("heterogeneous")
    s1 = lab.layout_vars(layout, "f", "f-server1", "servers")
    s2 = lab.layout_vars(layout, "f", "f-server2", "servers")
    assert names(s1) == ["library/tinyllama:latest"]
    assert names(s2) == ["library/tinyllama:latest", "acme/tinycoder:1b"]
    assert [(resolve(c["name"], s1), resolve(c["from"], s1)) for c in s1["ollama_custom_models"]] == [
        ("lab-terse:latest", "library/tinyllama:latest")]
    assert "ollama_custom_models" not in s2


def test_routing_bench_layout(lab):
    layout = lab.load_layout("routing-bench")
    for server in ("b-server1", "b-server2"):
        found = lab.layout_vars(layout, "b", server, "servers")
        assert names(found) == ["library/tinyllama:latest", "acme/tinycoder:1b"]
        assert found["ollama_max_loaded_models"] == 1
        assert found["ollama_environment"]["OLLAMA_STANDIN_LOAD_DELAY_MS"] == "2000"
