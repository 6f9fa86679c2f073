# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall role's rules for a model mirror host (roles/firewall/vars/main.yml, evaluated by ansible-playbook with
the role's defaults and vars): the mirror's ports, only from the Ollama servers' addresses and firewall_mirror_cidrs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ROLE = os.path.join(REPO, "roles", "firewall")


def _rules(tmp_path, mirror_vars, extra=None):
    """{host: [(port, from) of the rules commented 'mirror']} for a small inventory."""
    inventory = {"all": {"children": {
        "ollama_mirrors": {"hosts": {"m1": dict({"ansible_host": "10.0.0.9"}, **mirror_vars)}},
        "ollama_servers": {"hosts": {"s1": {"ansible_host": "10.0.0.1"},
                                     "s2": {"ansible_host": "s2.example.test", "firewall_address": "10.0.0.2"}}},
        "other": {"hosts": {"o1": {"ansible_host": "10.0.0.7"}}},
    }}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    playbook = [{
        "hosts": "m1:o1",
        "gather_facts": False,
        "tasks": [
            {"name": "Role defaults", "ansible.builtin.include_vars": os.path.join(ROLE, "defaults", "main.yml")},
            {"name": "Role vars", "ansible.builtin.include_vars": os.path.join(ROLE, "vars", "main.yml")},
            {"name": "Rules", "ansible.builtin.copy": {
                "content": "{{ __firewall_rules | selectattr('comment', 'search', ' mirror$') | list | to_json }}",
                "dest": str(tmp_path) + "/{{ inventory_hostname }}.json", "mode": "0600"}, "delegate_to": "localhost"},
        ],
    }]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
    (tmp_path / "extra.json").write_text(json.dumps(extra or {}))
    result = subprocess.run(["ansible-playbook", "-i", str(tmp_path / "inventory.yml"), "-c", "local",
                             "-e", "ansible_python_interpreter=%s" % sys.executable,
                             "-e", "@%s" % (tmp_path / "extra.json"), str(tmp_path / "play.yml")],
                            capture_output=True, text=True, cwd=REPO, check=False,
                            env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    return {h: [(r["port"], r["from"]) for r in json.loads((tmp_path / ("%s.json" % h)).read_text())]
            for h in ("m1", "o1")}


def test_mirror_gets_https_from_the_servers_only(tmp_path):
    rules = _rules(tmp_path, {})
    assert rules["m1"] == [("443", "10.0.0.1"), ("443", "10.0.0.2")]
    # a host outside ollama_mirrors gets no mirror rule
    assert rules["o1"] == []


def test_acme_adds_port_80_and_the_extra_networks(tmp_path):
    rules = _rules(tmp_path, {"model_mirror_tls_mode": "acme", "model_mirror_https_port": 8443},
                   {"firewall_mirror_cidrs": ["192.168.5.0/24"]})
    assert rules["m1"] == [("8443", "10.0.0.1"), ("8443", "10.0.0.2"), ("8443", "192.168.5.0/24"),
                           ("80", "10.0.0.1"), ("80", "10.0.0.2"), ("80", "192.168.5.0/24")]


def test_tls_off_opens_the_http_port_only(tmp_path):
    rules = _rules(tmp_path, {"model_mirror_tls_mode": "off", "model_mirror_http_port": 8080})
    assert rules["m1"] == [("8080", "10.0.0.1"), ("8080", "10.0.0.2")]
