# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""testinfra checks for the ollama scenario of the localllm.ollama.ollama role."""

from __future__ import annotations

import json
import re
import shlex

import pytest

VERSION = "0.32.15"
API = "http://127.0.0.1:11434"


def _journal(host):
    return host.run("journalctl -u ollama --no-pager -n 50").stdout


def test_service_active_and_enabled(host):
    service = host.service("ollama")
    assert service.is_running, _journal(host)
    assert service.is_enabled


def test_unit_and_dropin_are_the_roles(host):
    unit = host.file("/etc/systemd/system/ollama.service")
    dropin = host.file("/etc/systemd/system/ollama.service.d/10-localllm.conf")
    assert unit.exists and unit.user == "root" and unit.mode == 0o644
    assert "ExecStart=/usr/local/bin/ollama serve" in unit.content_string
    assert "Environment" not in unit.content_string
    assert dropin.exists and dropin.mode == 0o644


@pytest.mark.parametrize("assignment", [
    "HOME=/usr/share/ollama",
    "OLLAMA_HOST=0.0.0.0:11434",
    "OLLAMA_ORIGINS=https://dify.example.com,chrome-extension://*",
    "OLLAMA_KEEP_ALIVE=10m",
    "OLLAMA_NUM_PARALLEL=2",
    "OLLAMA_FLASH_ATTENTION=1",
    "OLLAMA_KV_CACHE_TYPE=q8_0",
    "OLLAMA_NO_CLOUD=1",
])
def test_systemctl_show_has_dropin_environment(host, assignment):
    # systemctl quotes assignments that contain special characters (the `*` of an origin)
    env = host.check_output("systemctl show ollama -p Environment --value")
    assert assignment in shlex.split(env)


def test_unset_settings_are_not_set(host):
    env = host.check_output("systemctl show ollama -p Environment --value")
    assert "OLLAMA_MODELS" not in env and "OLLAMA_CONTEXT_LENGTH" not in env


def test_process_runs_as_ollama_with_home(host):
    pid = host.check_output("systemctl show ollama -p MainPID --value")
    assert pid != "0", _journal(host)
    assert host.check_output("ps -o user= -p %s" % pid).strip() == "ollama"
    environ = host.check_output("tr '\\0' '\\n' < /proc/%s/environ" % pid).splitlines()
    assert "HOME=/usr/share/ollama" in environ


def test_api_answers_on_the_configured_bind(host):
    listening = host.check_output("ss -Hltn 'sport = :11434'")
    assert "0.0.0.0:11434" in listening or "*:11434" in listening or "[::]:11434" in listening
    version = json.loads(host.check_output("curl -fsS %s/api/version" % API))
    assert version == {"version": VERSION}


def test_api_answers_on_the_container_address(host):
    address = host.check_output("hostname -I").split()[0]
    version = json.loads(host.check_output("curl -fsS http://%s:11434/api/version" % address))
    assert version["version"] == VERSION


def test_host_header_trap_not_hit(host):
    # bound to 0.0.0.0, so a public Host header must not get the empty 403 of the loopback guard
    code = host.check_output("curl -s -o /dev/null -w '%%{http_code}' -H 'Host: ollama.example.com' %s/api/version"
                             % API)
    assert code == "200"


def test_listed_origin_is_allowed_and_others_refused(host):
    allowed = host.check_output("curl -s -o /dev/null -w '%%{http_code}' -H 'Origin: https://dify.example.com' "
                                "%s/api/version" % API)
    refused = host.check_output("curl -s -o /dev/null -w '%%{http_code}' -H 'Origin: https://evil.example.com' "
                                "%s/api/version" % API)
    assert (allowed, refused) == ("200", "403")


def test_binary_and_libs(host):
    binary = host.file("/usr/local/bin/ollama")
    assert binary.exists and binary.mode & 0o111
    assert host.file("/usr/local/lib/ollama").is_directory
    out = host.run("HOME=/usr/share/ollama /usr/local/bin/ollama -v").stdout
    assert "ollama version is %s" % VERSION in out
    record = json.loads(host.file("/usr/local/lib/ollama/.localllm-ollama-install.json").content_string)
    assert record["version"] == VERSION and record["bundles"] == []


def test_user_and_models_dir(host):
    user = host.user("ollama")
    assert user.home == "/usr/share/ollama"
    assert user.shell in ("/usr/sbin/nologin", "/bin/false")
    models = host.file("/usr/share/ollama/.ollama/models")
    assert models.is_directory and models.user == "ollama" and models.group == "ollama"


def _model_names(host):
    tags = json.loads(host.check_output("curl -fsS %s/api/tags" % API))
    return sorted(model["name"] for model in tags["models"])


def test_model_pulled_through_the_mirror_is_listed_by_its_short_name(host):
    # ollama_model_mirror: http://localhost:5000 (the stand-in registry in the container); ollama_models: [tinyllama]
    names = _model_names(host)
    assert "tinyllama:latest" in names
    assert "localhost:5000/library/tinyllama:latest" not in names


def test_the_short_name_answers_a_chat(host):
    body = json.dumps({"model": "tinyllama:latest", "messages": [{"role": "user", "content": "hello"}],
                       "stream": False})
    answer = json.loads(host.check_output("curl -fsS %s/api/chat -d %s" % (API, shlex.quote(body))))
    assert answer["done"] is True and answer["model"] == "tinyllama:latest"
    assert answer["message"]["content"]


def _server_requests(host, method, path):
    # the stand-in's gin access lines on stdout, in the journal: [GIN] ... | POST    "/api/pull"
    log = host.check_output("journalctl -u ollama --no-pager -o cat")
    return len(re.findall(r'^\[GIN\] .*\| %s +"%s"$' % (method, re.escape(path)), log, re.M))


def test_every_model_was_pulled_once(host):
    # converge pulled each model once (tinyllama from the mirror, copied to its short name, the mirror's name
    # deleted); the idempotence run and side_effect's converges found everything installed and pulled nothing.
    assert _server_requests(host, "POST", "/api/pull") == 2
    assert _server_requests(host, "POST", "/api/copy") == 1
    assert _server_requests(host, "DELETE", "/api/delete") == 1


def test_models_of_the_tier_chosen_by_vram(host):
    # converge.yml: deb12 sets ollama_model_tiers_vram_gib 11.5 (tier gpu-8g); deb13 detects 0 GiB (tier cpu).
    # tinyllama is in ollama_models and in tier gpu-8g; bigmodel (tier gpu-24g) fits neither host.
    if host.backend.get_hostname().endswith("deb12"):
        expected = ["localhost:5000/acme/tinycoder:1b", "tinyllama:latest"]
    else:
        expected = ["localhost:5000/library/nomic-embed:latest", "tinyllama:latest"]
    assert _model_names(host) == expected


def test_staging_cleaned_up(host):
    # Only the release directories the role staged (with its marker) are removed; side_effect.yml put foreign entries
    # there (issue 12, item 2), which stay. Before the fix this test read: the directory is empty.
    assert host.run("find /var/cache/localllm-ollama -name .localllm-ollama-staged").stdout.strip() == ""
    assert not host.file("/var/cache/localllm-ollama/0.30.0").exists   # staged by the role earlier: removed
    assert not host.file("/var/cache/localllm-ollama/%s" % VERSION).exists


# ----------------------------------------------------------------------------------------- issue 12
# https://github.com/localllm/ollama-collection/issues/12 (side_effect.yml plants what is checked here)

@pytest.mark.parametrize("path", [
    "/var/cache/localllm-ollama/someone-elses/data.txt",
    "/var/cache/localllm-ollama/0.1.0/ollama-linux-amd64.tgz",
    "/var/cache/localllm-ollama/notes.txt",
])
def test_foreign_staging_entries_survive(host, path):
    assert host.file(path).is_file
    assert host.file(path).content_string == "not the role's\n"


@pytest.mark.parametrize("path", [
    "/srv/canary-home", "/srv/canary-home/keep", "/srv/canary-dir", "/srv/canary-dir/keep", "/srv/canary-file",
])
def test_symlink_targets_stay_root_owned(host, path):
    target = host.file(path)
    assert target.exists
    assert (target.user, target.group) == ("root", "root")


def test_planted_links_are_reowned_themselves_not_followed(host):
    models = "/usr/share/ollama/.ollama/models/"
    for name, target in (("planted-link-dir", "/srv/canary-dir"), ("planted-link-file", "/srv/canary-file"),
                         ("planted-root-link", "/srv/canary-file")):
        link = host.file(models + name)
        assert link.is_symlink and link.linked_to == target
        # the link itself belongs to ollama now (chown -h), its target is still root's (test above)
        assert host.check_output("stat -c %%U:%%G %s" % (models + name)) == "ollama:ollama"
    # the foreign-group file tripped the check and was given back
    assert host.check_output("stat -c %%U:%%G %s" % (models + "planted-video-file")) == "ollama:ollama"
    assert host.file("/usr/share/ollama/.ollama").is_directory and not host.file("/usr/share/ollama/.ollama").is_symlink


def test_cloud_is_disabled_by_the_role(host):
    # ollama_cloud defaults to false: OLLAMA_NO_CLOUD=1, reported by GET /api/status (v0.16.2+)
    status = json.loads(host.check_output("curl -fsS %s/api/status" % API))
    assert status == {"cloud": {"disabled": True, "source": "env"}}


ENVFILE = "/etc/systemd/system/ollama.service.d/10-localllm.env"
PROXY = "http://puller:S3cret-Proxy-Pass@proxy.invalid:3128"


def test_proxy_secret_is_in_a_root_only_environment_file(host):
    envfile = host.file(ENVFILE)
    assert envfile.exists and (envfile.user, envfile.group, envfile.mode) == ("root", "root", 0o600)
    assert 'HTTPS_PROXY="%s"' % PROXY in envfile.content_string.splitlines()
    dropin = host.file("/etc/systemd/system/ollama.service.d/10-localllm.conf")
    assert "S3cret-Proxy-Pass" not in dropin.content_string
    assert "EnvironmentFile=%s" % ENVFILE in dropin.content_string.splitlines()


def test_proxy_secret_not_shown_by_systemctl(host):
    assert "S3cret-Proxy-Pass" not in host.check_output("systemctl show ollama -p Environment")
    assert "S3cret-Proxy-Pass" not in host.check_output("systemctl show ollama")
    assert ENVFILE in host.check_output("systemctl show ollama -p EnvironmentFiles --value")


def test_service_gets_the_proxy(host):
    pid = host.check_output("systemctl show ollama -p MainPID --value")
    environ = host.check_output("tr '\\0' '\\n' < /proc/%s/environ" % pid).splitlines()
    assert "HTTPS_PROXY=%s" % PROXY in environ
    assert "NO_PROXY=localhost,127.0.0.1" in environ
