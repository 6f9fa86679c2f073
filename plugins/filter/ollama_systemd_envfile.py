# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_systemd_envfile
short_description: Render an environment dict as lines of a systemd EnvironmentFile
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Returns one C(KEY=\"value\") line per variable with C(\"), backslash, backtick and C($) escaped, the characters"
  - "systemd's environment file parser unescapes inside double quotes (it does not expand C(%) there)."
  - "Fails on invalid names and on values with newlines."
options:
  _input:
    description:
      - >-
        The environment dict.
    type: dict
    required: true
"""

EXAMPLES = r"""
lines: "{{ {'HTTPS_PROXY': 'http://u:p@proxy.example.com:3128'} | localllm.ollama.ollama_systemd_envfile }}"
# => ['HTTPS_PROXY="http://u:p@proxy.example.com:3128"']
"""

RETURN = r"""
_value:
  description: >-
    List of C(KEY="value") lines.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_systemd_envfile = logic.as_filter("ollama_systemd_envfile", logic.envfile_lines)


class FilterModule:
    """Render an environment dict as lines of a systemd EnvironmentFile"""

    def filters(self):
        return {"ollama_systemd_envfile": ollama_systemd_envfile}
