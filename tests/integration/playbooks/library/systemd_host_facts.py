#!/usr/bin/python
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only facts module for tests/integration/playbooks: the controller (a container whose PID 1 is not
systemd) reports service_mgr=systemd, so the roles' platform checks pass and the checks after them are reached.
Listed after ansible.builtin.setup in ansible_facts_modules; it only overrides that one fact."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(gather_subset=dict(type='list', elements='str'),
                                              gather_timeout=dict(type='int'),
                                              filter=dict(type='list', elements='str')),
                           supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts={'service_mgr': 'systemd'})


if __name__ == '__main__':
    main()
