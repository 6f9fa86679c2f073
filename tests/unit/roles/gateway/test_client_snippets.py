# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Client snippets hold plaintext API keys: the example inventories write them outside the checkout, and the role
keeps them out of git wherever they are written (issue #12, item 8)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None or shutil.which("git") is None,
                                reason="ansible-playbook and git are needed")


def _env(home):
    return dict(os.environ, HOME=str(home), ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")


@pytest.mark.parametrize("inventory", ["single", "fleet"])
def test_example_inventories_write_snippets_outside_the_checkout(tmp_path, inventory):
    inv = os.path.join(REPO, "inventories", inventory)
    listed = subprocess.run(["ansible-inventory", "-i", inv, "--list"], capture_output=True, text=True,
                            cwd=REPO, check=True, env=_env(tmp_path))
    host = json.loads(listed.stdout)["ollama_gateways"]["hosts"][0]
    result = subprocess.run(["ansible", "-i", inv, host, "-m", "ansible.builtin.debug",
                             "-a", "var=gateway_client_output_dir"],
                            capture_output=True, text=True, cwd=REPO, check=False, env=_env(tmp_path))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    value = json.loads(out[out.index("{"):])["gateway_client_output_dir"]
    path = os.path.realpath(os.path.expanduser(value))
    assert not path.startswith(os.path.realpath(REPO) + os.sep), "%s writes keys into the checkout: %s" % (inventory, path)
    assert path.startswith(str(tmp_path)), path


def test_snippets_written_inside_a_git_checkout_are_ignored(tmp_path):
    checkout = tmp_path / "site-repo"
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    outdir = checkout / "inventory" / "clients"
    playbook = [{
        "hosts": "gw1",
        "gather_facts": False,
        "tasks": [{"name": "Client snippets", "ansible.builtin.include_role": {
            "name": "localllm.ollama.gateway", "tasks_from": "clients"}}],
    }]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
    extra = {"gateway_client_output_dir": str(outdir), "gateway_server_name": "gw.example.lan",
             "gateway_api_keys": [{"id": "dify", "key": "k" * 40}], "ansible_python_interpreter": sys.executable}
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(
        {"all": {"hosts": {"gw1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    result = subprocess.run(["ansible-playbook", "-i", str(tmp_path / "hosts.yml"), "-e", "@%s" % (tmp_path / "extra.json"),
                             str(tmp_path / "play.yml")],
                            capture_output=True, text=True, cwd=REPO, check=False, env=_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    snippet = outdir / "gw1" / "dify.env"
    assert "OLLAMA_API_KEY=" + "k" * 40 in snippet.read_text()
    assert oct(snippet.stat().st_mode & 0o777) == "0o600"
    status = subprocess.run(["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=all"],
                            capture_output=True, text=True, check=True).stdout
    assert status == "", "git would offer the key snippets for a commit:\n" + status
