# Copyright (c) localllm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check molecule/*/molecule.yml against the rules of the shared base config.

Run by `make lint` (python scripts/check-molecule-scenarios.py). The rules, and why:

* No legacy provisioner keys (config_options, env, playbooks, ansible_args): molecule 26
  moves them into the `ansible:` section by replacing the whole section that
  .config/molecule/config.yml defines, so the shared settings would silently vanish.
* A scenario with a prepare.yml must select it (ansible.playbooks.prepare), because the
  base config runs molecule/resources/prepare.yml otherwise.
* Container and network names a scenario defines start with the scenario name, so
  scenarios can run in parallel on one Docker engine.
* The systemd container settings are written once, in molecule/resources/vars/systemd-platform.yml,
  which molecule/resources/create.yml merges into every platform (lists extended, mappings
  merged, other values replaced). A platform, in a scenario or in the base config, must not
  restate them: no key set to its shared value, no list entry or mapping entry the shared
  settings already hold. A real delta (another value, an extra list entry) is fine.
* Scenarios keep the base config's create and destroy playbooks: molecule falls back to
  the docker driver's own playbooks for a path that does not exist, and those know nothing
  of the shared settings.
"""

from __future__ import annotations

import glob
import os
import sys

import yaml

LEGACY_KEYS = ("config_options", "env", "playbooks", "ansible_args")
SCENARIO_VAR = "${MOLECULE_SCENARIO_NAME}"
BASE_CONFIG = ".config/molecule/config.yml"
PLATFORM_DEFAULTS = "molecule/resources/vars/systemd-platform.yml"
DEFAULTS_VAR = "__molecule_platform_defaults"
SHARED_PLAYBOOKS = ("create", "destroy")


def load_yaml(path):
    """Return the YAML document in path ({} when it is empty)."""
    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream) or {}


def load_platform_defaults(path=PLATFORM_DEFAULTS):
    """Return the shared systemd platform settings."""
    return load_yaml(path)[DEFAULTS_VAR]


def check_name(scenario, kind, name, problems):
    """Record a problem unless name starts with the scenario name."""
    if not (name.startswith(SCENARIO_VAR) or name.startswith(scenario)):
        problems.append("%s name %r must start with %r or %r" % (kind, name, SCENARIO_VAR, scenario))


def restated(platform, defaults):
    """Return a description of each shared setting the platform writes again."""
    found = []
    for key, shared in defaults.items():
        if key not in platform:
            continue
        value = platform[key]
        if isinstance(shared, list) and isinstance(value, list):
            found.extend("%s entry %r" % (key, entry) for entry in value if entry in shared)
        elif isinstance(shared, dict) and isinstance(value, dict):
            found.extend("%s.%s: %r" % (key, sub, value[sub]) for sub in value if sub in shared and shared[sub] == value[sub])
        elif value == shared:
            found.append("%s: %r" % (key, value))
    return found


def check_platforms(platforms, defaults, problems, scenario=None):
    """Check the platforms of a scenario (names) or of the base config (scenario None)."""
    for platform in platforms or []:
        name = str(platform.get("name", ""))
        for setting in restated(platform, defaults):
            problems.append(
                "platform %r restates the shared systemd setting %s (it comes from %s; keep only deltas)"
                % (name, setting, PLATFORM_DEFAULTS)
            )
        if scenario is None:
            continue
        check_name(scenario, "platform", name, problems)
        for network in platform.get("networks") or []:
            check_name(scenario, "network", str(network.get("name", "")), problems)
        for network in platform.get("docker_networks") or []:
            check_name(scenario, "network", str(network.get("name", "")), problems)


def check_scenario(path, defaults):
    """Return the list of problems found in one molecule.yml."""
    scenario_dir = os.path.dirname(path)
    scenario = os.path.basename(scenario_dir)
    config = load_yaml(path)
    problems = []

    provisioner = config.get("provisioner") or {}
    for key in LEGACY_KEYS:
        if key in provisioner:
            problems.append("provisioner.%s is a legacy key; use the ansible: section instead" % key)

    playbooks = (config.get("ansible") or {}).get("playbooks") or {}
    if os.path.exists(os.path.join(scenario_dir, "prepare.yml")) and "prepare" not in playbooks:
        problems.append("prepare.yml exists but ansible.playbooks.prepare does not select it")
    for step in SHARED_PLAYBOOKS:
        if step in playbooks:
            problems.append(
                "ansible.playbooks.%s replaces molecule/resources/%s.yml, which applies the shared systemd settings"
                % (step, step)
            )

    check_platforms(config.get("platforms"), defaults, problems, scenario)
    return problems


def check_base(path, defaults):
    """Return the problems of the base config: its platforms and its create/destroy playbooks."""
    config = load_yaml(path)
    problems = []
    check_platforms(config.get("platforms"), defaults, problems)
    playbooks = (config.get("ansible") or {}).get("playbooks") or {}
    for step in SHARED_PLAYBOOKS:
        expected = "../resources/%s.yml" % step
        if playbooks.get(step) != expected:
            problems.append("ansible.playbooks.%s must be %r (the shared systemd platforms)" % (step, expected))
        elif not os.path.exists(os.path.join("molecule", "resources", "%s.yml" % step)):
            problems.append("molecule/resources/%s.yml is missing; molecule would use the driver's own" % step)
    return problems


def main():
    """Check the base config and every scenario and exit non-zero if any breaks a rule."""
    defaults = load_platform_defaults()
    failed = False
    for path, problems in [(BASE_CONFIG, check_base(BASE_CONFIG, defaults))] + [
        (path, check_scenario(path, defaults)) for path in sorted(glob.glob("molecule/*/molecule.yml"))
    ]:
        for problem in problems:
            failed = True
            sys.stderr.write("%s: %s\n" % (path, problem))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
