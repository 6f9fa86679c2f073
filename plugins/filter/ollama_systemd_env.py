# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_systemd_env
short_description: Render an environment dict as systemd Environment= lines
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Returns one C(Environment=\"KEY=value\") line per variable, with backslashes, double quotes and C(%) escaped"
  - "for systemd. Fails on invalid names and on values with newlines."
options:
  _input:
    description:
      - >-
        The environment dict.
    type: dict
    required: true
"""

EXAMPLES = r"""
lines: "{{ {'OLLAMA_ORIGINS': 'https://a.example'} | localllm.ollama.ollama_systemd_env }}"
"""

RETURN = r"""
_value:
  description: >-
    List of C(Environment=) lines.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_systemd_env = logic.as_filter("ollama_systemd_env", logic.systemd_env_lines)


class FilterModule:
    """Render an environment dict as systemd Environment= lines"""

    def filters(self):
        return {"ollama_systemd_env": ollama_systemd_env}
