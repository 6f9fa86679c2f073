# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/check-molecule-scenarios.py: the scenario rules, above all "the systemd platform block is written once"."""

from __future__ import annotations

import glob
import importlib.util
import os

import pytest
import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


@pytest.fixture(name="script")
def fixture_script(monkeypatch):
    monkeypatch.chdir(REPO)
    path = os.path.join(REPO, "scripts", "check-molecule-scenarios.py")
    spec = importlib.util.spec_from_file_location("check_molecule_scenarios", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(name="defaults")
def fixture_defaults(script):
    return script.load_platform_defaults()


def _scenario(tmp_path, name, config, prepare=False):
    directory = tmp_path / name
    directory.mkdir()
    (directory / "molecule.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    if prepare:
        (directory / "prepare.yml").write_text("---\n", encoding="utf-8")
    return str(directory / "molecule.yml")


def _platform(name, **extra):
    platform = {"name": name, "hostname": name, "image": "localllm-test/debian12-systemd:latest", "groups": ["all_of_them"]}
    platform.update(extra)
    return platform


def test_the_tree_follows_every_rule(script, defaults):
    paths = sorted(glob.glob("molecule/*/molecule.yml"))
    assert paths
    assert {path: script.check_scenario(path, defaults) for path in paths} == {path: [] for path in paths}
    assert script.check_base(script.BASE_CONFIG, defaults) == []


def test_shared_block_holds_the_systemd_settings(defaults):
    assert defaults["command"] == "/sbin/init"
    assert defaults["privileged"] is False
    assert "/sys/fs/cgroup:/sys/fs/cgroup:rw" in defaults["volumes"]
    assert defaults["env"] == {"container": "docker"}
    assert defaults["stop_signal"] == "SIGRTMIN+3"


def test_the_shared_platforms_are_used_by_the_base_config(script):
    base = script.load_yaml(script.BASE_CONFIG)
    assert base["ansible"]["playbooks"]["create"] == "../resources/create.yml"
    assert base["ansible"]["playbooks"]["destroy"] == "../resources/destroy.yml"


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({"command": "/sbin/init"}, "command: '/sbin/init'"),
        ({"privileged": False}, "privileged: False"),
        ({"tmpfs": ["/run", "/var/lib/docker:exec"]}, "tmpfs entry '/run'"),
        ({"capabilities": ["NET_ADMIN"]}, "capabilities entry 'NET_ADMIN'"),
        ({"env": {"container": "docker", "LANG": "C"}}, "env.container: 'docker'"),
    ],
)
def test_a_restated_shared_setting_is_refused(script, defaults, tmp_path, extra, expected):
    path = _scenario(tmp_path, "demo", {"platforms": [_platform("demo-a", **extra)]})
    problems = script.check_scenario(path, defaults)
    assert len(problems) == 1
    assert "platform 'demo-a' restates the shared systemd setting " + expected in problems[0]


def test_real_deltas_are_accepted(script, defaults, tmp_path):
    platform = _platform(
        "demo-a",
        tmpfs=["/var/lib/docker:exec"],
        volumes=["/var/lib/docker"],
        capabilities=["SYS_PTRACE"],
        env={"LANG": "C"},
        stop_signal="SIGTERM",
        networks=[{"name": "demo-net"}],
        published_ports=["127.0.0.1:18000:80"],
    )
    assert script.check_scenario(_scenario(tmp_path, "demo", {"platforms": [platform]}), defaults) == []


def test_a_base_platform_restating_a_setting_is_refused(script, defaults, tmp_path):
    base = tmp_path / "config.yml"
    base.write_text(
        yaml.safe_dump(
            {
                "platforms": [_platform("x-deb12", cgroupns_mode="host")],
                "ansible": {"playbooks": {"create": "../resources/create.yml", "destroy": "../resources/destroy.yml"}},
            }
        ),
        encoding="utf-8",
    )
    assert script.check_base(str(base), defaults) == [
        "platform 'x-deb12' restates the shared systemd setting cgroupns_mode: 'host' (it comes from %s; keep only deltas)"
        % script.PLATFORM_DEFAULTS
    ]


def test_base_config_without_the_shared_create_is_refused(script, defaults, tmp_path):
    base = tmp_path / "config.yml"
    base.write_text(yaml.safe_dump({"ansible": {"playbooks": {"destroy": "../resources/destroy.yml"}}}), encoding="utf-8")
    assert script.check_base(str(base), defaults) == [
        "ansible.playbooks.create must be '../resources/create.yml' (the shared systemd platforms)"
    ]


def test_a_scenario_replacing_create_is_refused(script, defaults, tmp_path):
    path = _scenario(tmp_path, "demo", {"ansible": {"playbooks": {"create": "create.yml"}}})
    assert script.check_scenario(path, defaults) == [
        "ansible.playbooks.create replaces molecule/resources/create.yml, which applies the shared systemd settings"
    ]


def test_the_existing_rules_still_hold(script, defaults, tmp_path):
    path = _scenario(
        tmp_path,
        "demo",
        {
            "provisioner": {"name": "ansible", "env": {"A": "1"}},
            "platforms": [_platform("other-a", networks=[{"name": "shared-net"}])],
        },
        prepare=True,
    )
    assert script.check_scenario(path, defaults) == [
        "provisioner.env is a legacy key; use the ansible: section instead",
        "prepare.yml exists but ansible.playbooks.prepare does not select it",
        "platform name 'other-a' must start with '${MOLECULE_SCENARIO_NAME}' or 'demo'",
        "network name 'shared-net' must start with '${MOLECULE_SCENARIO_NAME}' or 'demo'",
    ]
