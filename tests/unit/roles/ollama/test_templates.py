# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the templates of the localllm.ollama.ollama role and check what comes out.

There is no macOS host in CI: the LaunchDaemon plist is rendered here for several variable sets and parsed with
plistlib. The systemd unit and drop-in are rendered the same way and, where systemd-analyze exists, verified with it
exactly like the role's `validate:` helper does.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess

import jinja2
import pytest
import yaml

from ansible.plugins.filter.core import FilterModule as CoreFilters

from ansible_collections.localllm.ollama.plugins.filter._ollama import FilterModule as RoleFilters
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_service as logic

ROLE = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "ollama"))
MANAGED = "Ansible managed: do not edit"


def _environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(ROLE, "templates")),
        trim_blocks=True,  # what ansible.builtin.template uses
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(CoreFilters().filters())
    # the role's filters under the names the templates use (the collection's own table, so a renamed or removed
    # filter fails here)
    env.filters.update({"localllm.ollama." + name: f for name, f in RoleFilters().filters().items()})
    return env


def _defaults():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


def _settings(variables):
    return {
        "home": variables["__ollama_home"],
        "bind_address": variables["ollama_bind_address"],
        "port": variables["ollama_port"],
        "origins": variables["ollama_origins"],
        "models_dir": variables["ollama_models_dir"],
        "keep_alive": variables["ollama_keep_alive"],
        "num_parallel": variables["ollama_num_parallel"],
        "max_loaded_models": variables["ollama_max_loaded_models"],
        "max_queue": variables["ollama_max_queue"],
        "context_length": variables["ollama_context_length"],
        "flash_attention": variables["ollama_flash_attention"],
        "kv_cache_type": variables["ollama_kv_cache_type"],
        "load_timeout": variables["ollama_load_timeout"],
        "gpu_overhead": variables["ollama_gpu_overhead"],
        "sched_spread": variables["ollama_sched_spread"],
        "noprune": variables["ollama_noprune"],
        "debug": variables["ollama_debug"],
        "visible_devices": variables["ollama_visible_devices"],
        "cloud": variables["ollama_cloud"],
        "https_proxy": variables["ollama_https_proxy"],
        "no_proxy": variables["ollama_no_proxy"],
        "environment": variables["ollama_environment"],
    }


def _variables(**overrides):
    variables = _defaults()
    variables.update({
        "ansible_managed": MANAGED,
        "__ollama_home": "/usr/share/ollama",
        "__ollama_binary": "/usr/local/bin/ollama",
        "__ollama_unit_path": "/etc/systemd/system/ollama.service",
        "__ollama_dropin_path": "/etc/systemd/system/ollama.service.d/10-localllm.conf",
        "__ollama_envfile_path": "/etc/systemd/system/ollama.service.d/10-localllm.env",
        "__ollama_gpu_groups": ["render", "video"],
        "__ollama_brew_prefix": "/opt/homebrew",
        "__ollama_macos_daemon_user": "admin",
    })
    variables.update(overrides)
    variables["__ollama_service_env"] = logic.service_env(_settings(variables))
    variables["__ollama_service_env_split"] = logic.env_split(variables["__ollama_service_env"])
    models = variables["ollama_models_dir"] or variables["__ollama_home"] + "/.ollama/models"
    variables["__ollama_models_path"] = models
    return variables


def _render(template, **overrides):
    return _environment().get_template(template).render(**_variables(**overrides))


# ----------------------------------------------------------------------------------------- macOS plist

PLIST_CASES = {
    "defaults": ({}, {"HOME": "/Users/admin", "OLLAMA_HOST": "127.0.0.1:11434", "OLLAMA_NO_CLOUD": "1"}),
    "cloud-allowed": ({"ollama_cloud": True}, {"HOME": "/Users/admin", "OLLAMA_HOST": "127.0.0.1:11434"}),
    "lan-server": (
        {"ollama_bind_address": "0.0.0.0", "ollama_origins": ["https://dify.example.com", "chrome-extension://*"],
         "ollama_keep_alive": "-1", "ollama_flash_attention": True, "ollama_kv_cache_type": "q8_0"},
        {"HOME": "/Users/admin", "OLLAMA_HOST": "0.0.0.0:11434",
         "OLLAMA_ORIGINS": "https://dify.example.com,chrome-extension://*", "OLLAMA_KEEP_ALIVE": "-1",
         "OLLAMA_FLASH_ATTENTION": "1", "OLLAMA_KV_CACHE_TYPE": "q8_0", "OLLAMA_NO_CLOUD": "1"},
    ),
    "proxy-and-xml-characters": (
        {"ollama_https_proxy": "http://user:p&ss<1>@proxy.example.com:3128", "ollama_no_proxy": ["localhost", ".lan"],
         "ollama_models_dir": "/Volumes/Models & More/ollama", "ollama_environment": {"OLLAMA_NO_CLOUD": True}},
        {"HOME": "/Users/admin", "OLLAMA_HOST": "127.0.0.1:11434", "OLLAMA_MODELS": "/Volumes/Models & More/ollama",
         "OLLAMA_NO_CLOUD": "1", "HTTPS_PROXY": "http://user:p&ss<1>@proxy.example.com:3128",
         "NO_PROXY": "localhost,.lan"},
    ),
}


@pytest.mark.parametrize("case", sorted(PLIST_CASES))
def test_plist_renders_and_parses(case):
    overrides, expected_env = PLIST_CASES[case]
    text = _render("ollama.plist.j2", __ollama_home="/Users/admin", **overrides)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert MANAGED in text
    data = plistlib.loads(text.encode("utf-8"))
    assert data["Label"] == "com.localllm.ollama"
    # Homebrew's stable opt path: survives `brew upgrade ollama`
    assert data["ProgramArguments"] == ["/opt/homebrew/opt/ollama/bin/ollama", "serve"]
    assert data["EnvironmentVariables"] == expected_env
    assert data["UserName"] == "admin"
    assert data["WorkingDirectory"] == "/Users/admin"
    assert data["RunAtLoad"] is True and data["KeepAlive"] is True
    assert data["StandardErrorPath"] == "/Library/Logs/Ollama/ollama.err.log"


def test_plist_intel_prefix_and_custom_label():
    text = _render("ollama.plist.j2", __ollama_brew_prefix="/usr/local", ollama_launchd_label="org.example.llm",
                   __ollama_macos_daemon_user="svc", __ollama_home="/Users/svc")
    data = plistlib.loads(text.encode())
    assert data["Label"] == "org.example.llm"
    assert data["ProgramArguments"][0] == "/usr/local/opt/ollama/bin/ollama"
    assert data["EnvironmentVariables"]["HOME"] == "/Users/svc"


def test_plist_always_sets_home():
    for overrides, _env in PLIST_CASES.values():
        data = plistlib.loads(_render("ollama.plist.j2", __ollama_home="/Users/x", **overrides).encode())
        assert data["EnvironmentVariables"]["HOME"] == "/Users/x"


# ----------------------------------------------------------------------------------------- systemd

def _environment_lines(text):
    return [line for line in text.splitlines() if line.startswith("Environment=")]


def test_unit_is_upstream_shaped_without_settings():
    text = _render("ollama.service.j2")
    assert "# " + MANAGED in text.splitlines()[:3]
    for line in ("After=network-online.target", "Wants=network-online.target",
                 "ExecStart=/usr/local/bin/ollama serve", "User=ollama", "Group=ollama", "Restart=always",
                 "RestartSec=3", "WantedBy=multi-user.target"):
        assert line in text.splitlines()
    assert "Environment" not in text


def test_dropin_defaults():
    text = _render("dropin.conf.j2")
    # OLLAMA_NO_CLOUD=1 since ollama_cloud (default false) exists: issue 12, item 6
    assert _environment_lines(text) == [
        'Environment="HOME=/usr/share/ollama"',
        'Environment="OLLAMA_HOST=127.0.0.1:11434"',
        'Environment="OLLAMA_NO_CLOUD=1"',
    ]
    assert "EnvironmentFile=/etc/systemd/system/ollama.service.d/10-localllm.env" in text.splitlines()
    assert "ProtectSystem" not in text


# ----------------------------------------------------------------------------------------- issue 12
# https://github.com/localllm/ollama-collection/issues/12

def test_dropin_cloud_allowed_leaves_ollamas_default():
    text = _render("dropin.conf.j2", ollama_cloud=True)
    assert not [line for line in _environment_lines(text) if "OLLAMA_NO_CLOUD" in line]


PROXY = "http://puller:S3cret%24pass@proxy.example.com:3128"


def test_dropin_keeps_secrets_out_and_envfile_has_them():
    overrides = {"ollama_https_proxy": PROXY, "ollama_no_proxy": ["localhost", "127.0.0.1"],
                 "ollama_environment": {"HF_TOKEN": "hf_abc", "OLLAMA_LLM_LIBRARY": "cuda_v12"}}
    dropin = _render("dropin.conf.j2", **overrides)
    assert "S3cret" not in dropin and "hf_abc" not in dropin and "HTTPS_PROXY" not in dropin
    assert 'Environment="NO_PROXY=localhost,127.0.0.1"' in _environment_lines(dropin)
    assert 'Environment="OLLAMA_LLM_LIBRARY=cuda_v12"' in _environment_lines(dropin)
    envfile = _render("ollama.env.j2", **overrides)
    assert "# " + MANAGED in envfile.splitlines()[:3]
    assert [line for line in envfile.splitlines() if not line.startswith("#")] == [
        'HTTPS_PROXY="%s"' % PROXY, 'HF_TOKEN="hf_abc"']


def test_envfile_without_secrets_is_only_comments():
    envfile = _render("ollama.env.j2")
    assert [line for line in envfile.splitlines() if line and not line.startswith("#")] == []


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("value", [PROXY, 'quote " backslash \\ dollar $HOME backtick `id` percent %n', ""])
def test_envfile_round_trips(tmp_path, value):
    # systemd's environment file parser unescapes exactly what a POSIX shell unescapes inside double quotes
    # (", \, `, $), so a shell reading the file sees the value systemd hands to the service.
    path = tmp_path / "ollama.env"
    path.write_text(_render("ollama.env.j2", ollama_https_proxy=None, ollama_environment={"X_TOKEN": value}))
    out = subprocess.run(["bash", "-c", 'set -a; . "$1"; printf %s "$X_TOKEN"', "bash", str(path)],
                         capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]})
    assert out.stdout == value


def test_dropin_quotes_values():
    text = _render("dropin.conf.j2", ollama_environment={"OLLAMA_X": 'a "b" 100% c\\d'})
    assert 'Environment="OLLAMA_X=a \\"b\\" 100%% c\\\\d"' in _environment_lines(text)


def test_dropin_hardening_profile():
    text = _render("dropin.conf.j2", ollama_systemd_hardening=True, ollama_models_dir="/srv/ollama models")
    lines = text.splitlines()
    for line in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                 "DevicePolicy=closed", "DeviceAllow=char-nvidia-frontend rw", "DeviceAllow=char-nvidia-uvm rw",
                 "DeviceAllow=char-drm rw", "DeviceAllow=char-kfd rw", "SupplementaryGroups=render video",
                 "ReadWritePaths=/usr/share/ollama /srv/ollama\\x20models"):
        assert line in lines, line


def test_dropin_hardening_without_gpu_groups():
    text = _render("dropin.conf.j2", ollama_systemd_hardening=True, __ollama_gpu_groups=[])
    assert "SupplementaryGroups" not in text


def _write_units(tmp_path, **overrides):
    """Lay the rendered unit and drop-in out like the role's verify-units helper does."""
    variables = _variables(**overrides)
    binary = tmp_path / "bin" / "ollama"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    variables["__ollama_binary"] = str(binary)
    variables["ollama_user"] = variables["ollama_group"] = "root"
    env = _environment()
    unit_dir = tmp_path / "units"
    (unit_dir / "ollama.service.d").mkdir(parents=True)
    (unit_dir / "ollama.service").write_text(env.get_template("ollama.service.j2").render(**variables))
    (unit_dir / "ollama.service.d" / "10-localllm.conf").write_text(
        env.get_template("dropin.conf.j2").render(**variables))
    return unit_dir / "ollama.service"


def _verify(unit):
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True,
                            env=dict(os.environ, SYSTEMD_LOG_LEVEL="warning"), check=False)
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if "ollama.service" in line or "10-localllm.conf" in line]
    return result.returncode, ours


needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze is not installed")


@needs_systemd_analyze
@pytest.mark.parametrize("overrides", [
    {},
    {"ollama_systemd_hardening": True, "ollama_models_dir": "/srv/ollama models"},
    {"ollama_bind_address": "0.0.0.0", "ollama_origins": ["https://a.example", "chrome-extension://*"],
     "ollama_environment": {"OLLAMA_X": 'quote " percent % backslash \\'}},
    {"ollama_https_proxy": "http://puller:S3cret@proxy.example.com:3128", "ollama_cloud": True},
])
def test_systemd_analyze_accepts_rendered_units(tmp_path, overrides):
    rc, ours = _verify(_write_units(tmp_path, **overrides))
    assert rc == 0 and ours == [], ours


@needs_systemd_analyze
def test_systemd_analyze_catches_a_broken_dropin(tmp_path):
    unit = _write_units(tmp_path)
    dropin = unit.parent / "ollama.service.d" / "10-localllm.conf"
    dropin.write_text(dropin.read_text() + "Restart=sometimes\n")
    rc, ours = _verify(unit)
    assert rc != 0 or ours, "systemd-analyze did not notice an invalid Restart= value"
