# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render one of a role's real templates with ansible-playbook: the role's defaults and vars, then the given
variables as extra vars. ansible.builtin.template semantics (trim_blocks, Ansible's filters, lazy role vars) come
for free this way. Shared by the role template tests (gateway_render.py, model_mirror)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def render_role_template(tmp_path, role_dir, template, variables, out, mode="0600"):
    """Write roles/<role>/templates/<template>, rendered, to ``out`` (a path under tmp_path); returns ``out``."""
    playbook = [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "Role defaults", "ansible.builtin.include_vars": os.path.join(role_dir, "defaults", "main.yml")},
            {"name": "Role vars", "ansible.builtin.include_vars": os.path.join(role_dir, "vars", "main.yml")},
            {"name": "Render", "ansible.builtin.copy": {
                "content": "{{ lookup('ansible.builtin.template', '%s') }}" % os.path.join(role_dir, "templates", template),
                "dest": str(out), "mode": mode}},
        ],
    }]
    path = tmp_path / "render.yml"
    path.write_text(yaml.safe_dump(playbook))
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_NOCOLOR="1")
    result = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local",
                             "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % extra, str(path)],
                            capture_output=True, text=True, cwd=REPO, check=False, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return out
