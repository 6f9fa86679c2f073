# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/preflight.yml (the preflight of site.yml and upgrade.yml) against local-connection inventories.

Only this preflight-only playbook runs here: it changes nothing on the machine that runs the test. Bad layouts
fail with a message that says how to fix them; good ones pass; a bad input of any role (firewall, ollama,
gateway) fails in the fleet-wide preflight with a message naming the variable, and changes nothing.

The controller is a container whose PID 1 is not systemd: library/systemd_host_facts.py, listed after
ansible.builtin.setup in ansible_facts_modules, reports service_mgr=systemd so that the roles' platform checks
pass and their input checks are reached."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
PLAYBOOK = os.path.join(REPO, "playbooks", "preflight.yml")
RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
API_KEY = {"id": "ci", "key": "k" * 40}

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook not on PATH")


def run_preflight(tmp_path, servers, gateways, extra_vars=None, group_vars=None):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
             "ansible_facts_modules": ["ansible.builtin.setup", "systemd_host_facts"],
             # pinned: no GitHub look-up of 'latest'
             "ollama_version": "0.32.15",
             "gateway_api_keys": [API_KEY]}
    local.update(group_vars or {})
    inventory = {"all": {"vars": local, "children": {
        "ollama_servers": {"hosts": servers},
        "ollama_gateways": {"hosts": gateways},
    }}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inventory))
    cmd = ["ansible-playbook", "-i", str(path), PLAYBOOK]
    if extra_vars:
        cmd += ["-e", yaml.safe_dump(extra_vars, default_flow_style=True).strip()]
    env = dict(os.environ, ANSIBLE_LIBRARY=os.path.join(HERE, "library"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False, env=env)
    out = result.stdout + result.stderr
    recap = {m.group(1): (int(m.group(3)), int(m.group(5))) for m in RECAP_RE.finditer(result.stdout)}
    # nothing in the preflight changes a host, whether it passes or fails
    assert recap and all(counts[0] == 0 for counts in recap.values()), out
    return result.returncode, out


# the gateway connects to its backends by address (model-aware routing resolves names on the gateway in preflight)
FLEET = ({"srv1": {"ollama_bind_address": "0.0.0.0", "gateway_backend_address": "192.0.2.11"},
          "srv2": {"ollama_bind_address": "0.0.0.0", "gateway_backend_address": "192.0.2.12"}},
         {"gw1": {"gateway_upstream_group": "ollama_servers"}})


def test_fleet_layout_passes_every_role_preflight(tmp_path):
    rc, out = run_preflight(tmp_path, *FLEET)
    assert rc == 0, out
    # each role's preflight ran on the hosts it will touch, to its end
    for role, hosts in (("firewall", ["srv1", "srv2", "gw1"]), ("gateway", ["gw1"])):
        done = re.findall(r"TASK \[localllm\.ollama\.%s : Preflight \| Mark the checks as passed.*?\n(.*?)\n\n" % role,
                          out, re.S)
        assert done, out
        for host in hosts:
            assert "ok: [%s]" % host in done[0], (role, host, done[0])
    assert "TASK [localllm.ollama.ollama : " in out


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


@pytest.mark.parametrize("extra, host, words", [
    ({"gateway_allow_cidrs": ["10.0.0.0/33"]}, "gw1", ["gateway_allow_cidrs", "10.0.0.0/33"]),
    ({"gateway_api_keys": [{"id": "short", "key": "abc123"}]}, "gw1", ["gateway_api_key_min_length", "short"]),
    ({"gateway_tls_mode": "acme", "gateway_server_name": "192.0.2.10"}, "gw1", ["gateway_server_name", "IP address"]),
    ({"ollama_kv_cache_type": "q3"}, "srv1", ["ollama_kv_cache_type"]),
    ({"ollama_port": 70000}, "srv1", ["ollama_port"]),
    ({"firewall_ssh_cidrs": ["10.0.0.1/8"]}, "srv1", ["firewall_ssh_cidrs", "10.0.0.1/8"]),
    # issue 14: the site mirror is http[s]://host[:port], one message per broken rule
    ({"ollama_model_mirror": "http://mirror.example.internal:5000/v2/library"}, "srv1",
     ["ollama_model_mirror: no path", "the path '/v2/library'", "remove the path"]),
    ({"ollama_model_mirror": "https://puller:S3cret@mirror.example.internal"}, "srv1",
     ["ollama_model_mirror: no user:password@", "remove the user info"]),
    ({"ollama_model_mirror": "ftp://mirror.example.internal"}, "srv1",
     ["ollama_model_mirror: scheme is http or https", "'ftp' is not http or https"]),
    ({"ollama_model_mirror": "http://mirror.example.internal:5000",
      "ollama_models": ["tinyllama", "mirror.example.internal:5000/library/tinyllama:latest"]}, "srv1",
     ["ollama_models[0] 'tinyllama' is pulled from ollama_model_mirror", "list the model once"]),
    ({"ollama_install_method": "container", "ollama_model_bundles": ["/srv/bundles/tinyllama"]}, "srv1",
     ["ollama_model_bundles imports model bundles", "this host uses container", "set ollama_model_mirror"]),
])
def test_a_bad_role_input_fails_the_fleet_preflight(tmp_path, extra, host, words):
    rc, out = run_preflight(tmp_path, *FLEET, extra_vars=extra)
    assert rc != 0, out
    # a failed check: "fatal: [host]" (an assert) or "failed: [host] (item=<variable>)" (one item of a looped assert)
    found = re.search(r"^(fatal: \[%s\]|failed: \[%s\] \(item=)" % (host, host), out, re.M)
    assert found, out
    fatal = out[found.start():]
    for word in words:
        assert word in fatal, (word, fatal[:3000])


def test_a_backend_name_the_gateway_cannot_resolve_fails_the_fleet_preflight(tmp_path):
    servers = {"srv1": {"ollama_bind_address": "0.0.0.0", "gateway_backend_address": "localllm-no-such-host.invalid"}}
    rc, out = run_preflight(tmp_path, servers, FLEET[1])
    assert rc != 0, out
    found = re.search(r"^failed: \[gw1\] \(item=localllm-no-such-host\.invalid\)", out, re.M)
    assert found, out
    assert "does not resolve to an IPv4 address on gw1" in out[found.start():]
    assert "Set gateway_backend_address" in out[found.start():]


def test_a_good_mirror_passes_the_fleet_preflight(tmp_path):
    rc, out = run_preflight(tmp_path, *FLEET, extra_vars={"ollama_model_mirror": "http://mirror.example.internal:5000",
                                                          "ollama_models": ["llama3.1:8b", "acme/coder:1b"]})
    assert rc == 0, out
    assert "ollama_model_mirror: no path" in out  # the checks ran (loop labels), and passed


def _bundle(tmp_path, damage=None):
    """The stand-in registry's tinyllama fixture as a model bundle on the controller, optionally damaged."""
    sys.path.insert(0, os.path.join(REPO, "tests", "standin"))
    import registry as standin_registry  # pylint: disable=import-outside-toplevel
    directory = str(tmp_path / "bundles" / "tinyllama")
    standin_registry.write_bundle(standin_registry.Registry(1), directory, ("library", "tinyllama", "latest"),
                                  "registry.ollama.ai")
    blobs = os.path.join(directory, "blobs")
    biggest = max(os.listdir(blobs), key=lambda name: os.path.getsize(os.path.join(blobs, name)))
    if damage == "missing":
        os.remove(os.path.join(blobs, biggest))
    elif damage == "corrupt":
        with open(os.path.join(blobs, biggest), "r+b") as f:
            f.seek(100)
            f.write(b"X")
    return directory, biggest


@pytest.mark.parametrize("damage, words", [
    ("missing", ["is missing", "copy the whole bundle again or export it again"]),
    ("corrupt", ["content hashes to", "the file is corrupt"]),
])
def test_a_damaged_model_bundle_fails_the_fleet_preflight(tmp_path, damage, words):
    directory, blob = _bundle(tmp_path, damage)
    rc, out = run_preflight(tmp_path, *FLEET, extra_vars={"ollama_model_bundles": [directory]})
    assert rc != 0, out
    found = re.search(r"^failed: \[srv1 -> localhost\] \(item=%s\)" % re.escape(directory), out, re.M)
    assert found, out
    fatal = out[found.start():]
    for word in words + [blob]:
        assert word in fatal, (word, fatal[:3000])


def test_a_good_model_bundle_passes_the_fleet_preflight(tmp_path):
    directory, dummy = _bundle(tmp_path)
    rc, out = run_preflight(tmp_path, *FLEET, extra_vars={"ollama_model_bundles": [directory]})
    assert rc == 0, out
    assert "Verify the model bundles on the controller" in out


def test_firewall_preflight_only_where_the_firewall_runs(tmp_path):
    bad = {"firewall_ssh_cidrs": ["10.0.0.1/8"]}
    rc, out = run_preflight(tmp_path, *FLEET, extra_vars=bad, group_vars={"ollama_site_firewall": False})
    assert rc == 0, out
    assert "localllm.ollama.firewall : Preflight" not in out
