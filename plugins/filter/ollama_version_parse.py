# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_version_parse
short_description: Parse the output of ollama -v
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Understands C(ollama version is X), C(Warning: client version is X) and"
  - "C(Warning: could not connect to a running Ollama instance). C(installed) is the version of the binary"
  - "itself (the client version)."
options:
  _input:
    description:
      - >-
        The stdout of C(ollama -v).
    type: str
    required: true
"""

EXAMPLES = r"""
installed: "{{ (ollama_v.stdout | localllm.ollama.ollama_version_parse).installed }}"
"""

RETURN = r"""
_value:
  description: >-
    Dict with C(server), C(client), C(installed) (each a version or null) and C(reachable) (bool).
  type: dict
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_version_parse = logic.as_filter("ollama_version_parse", logic.parse_version_output)


class FilterModule:
    """Parse the output of ollama -v"""

    def filters(self):
        return {"ollama_version_parse": ollama_version_parse}
