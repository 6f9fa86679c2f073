# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/preflight.yml (site.yml's inventory check) against local-connection inventories: bad layouts fail
with a message that says how to fix them; good ones pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLAYBOOK = os.path.join(REPO, "playbooks", "preflight.yml")

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook not on PATH")


def run_preflight(tmp_path, servers, gateways):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = {"all": {"vars": local, "children": {
        "ollama_servers": {"hosts": servers},
        "ollama_gateways": {"hosts": gateways},
    }}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inventory))
    result = subprocess.run(["ansible-playbook", "-i", str(path), PLAYBOOK], capture_output=True, text=True,
                            cwd=REPO, check=False)
    return result.returncode, result.stdout + result.stderr


def test_fleet_layout_passes(tmp_path):
    rc, out = run_preflight(tmp_path,
                            {"srv1": {"ollama_bind_address": "0.0.0.0"}, "srv2": {"ollama_bind_address": "0.0.0.0"}},
                            {"gw1": {"gateway_upstream_group": "ollama_servers"}})
    assert rc == 0, out


def test_single_box_passes(tmp_path):
    rc, out = run_preflight(tmp_path, {"box": {}}, {"box": {}})
    assert rc == 0, out


def test_gateway_without_servers_fails_with_the_fix(tmp_path):
    rc, out = run_preflight(tmp_path, {"srv1": {"ollama_bind_address": "0.0.0.0"}}, {"gw1": {}})
    assert rc != 0
    assert "gw1:" in out and "set gateway_upstream_group: ollama_servers" in out


def test_loopback_server_behind_remote_gateway_fails_with_the_fix(tmp_path):
    rc, out = run_preflight(tmp_path, {"srv1": {}, "srv2": {"ollama_bind_address": "0.0.0.0"}},
                            {"gw1": {"gateway_upstream_group": "ollama_servers"}})
    assert rc != 0
    assert "srv1:" in out and "Ollama binds to 127.0.0.1" in out and "gw1" in out
    assert "fatal: [srv2]" not in out


def test_no_servers_fails(tmp_path):
    rc, out = run_preflight(tmp_path, {}, {"gw1": {"gateway_upstream_group": "ollama_servers"}})
    assert rc != 0
    assert "no host in the group ollama_servers" in out
