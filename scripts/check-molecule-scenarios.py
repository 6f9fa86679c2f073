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
"""

from __future__ import annotations

import glob
import os
import sys

import yaml

LEGACY_KEYS = ("config_options", "env", "playbooks", "ansible_args")
SCENARIO_VAR = "${MOLECULE_SCENARIO_NAME}"


def check_name(scenario, kind, name, problems):
    """Record a problem unless name starts with the scenario name."""
    if not (name.startswith(SCENARIO_VAR) or name.startswith(scenario)):
        problems.append("%s name %r must start with %r or %r" % (kind, name, SCENARIO_VAR, scenario))


def check_scenario(path):
    """Return the list of problems found in one molecule.yml."""
    scenario_dir = os.path.dirname(path)
    scenario = os.path.basename(scenario_dir)
    with open(path, encoding="utf-8") as stream:
        config = yaml.safe_load(stream) or {}
    problems = []

    provisioner = config.get("provisioner") or {}
    for key in LEGACY_KEYS:
        if key in provisioner:
            problems.append("provisioner.%s is a legacy key; use the ansible: section instead" % key)

    playbooks = (config.get("ansible") or {}).get("playbooks") or {}
    if os.path.exists(os.path.join(scenario_dir, "prepare.yml")) and "prepare" not in playbooks:
        problems.append("prepare.yml exists but ansible.playbooks.prepare does not select it")

    for platform in config.get("platforms") or []:
        check_name(scenario, "platform", str(platform.get("name", "")), problems)
        for network in platform.get("networks") or []:
            check_name(scenario, "network", str(network.get("name", "")), problems)
        for network in platform.get("docker_networks") or []:
            check_name(scenario, "network", str(network.get("name", "")), problems)
    return problems


def main():
    """Check every scenario and exit non-zero if any breaks a rule."""
    failed = False
    for path in sorted(glob.glob("molecule/*/molecule.yml")):
        for problem in check_scenario(path):
            failed = True
            sys.stderr.write("%s: %s\n" % (path, problem))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
