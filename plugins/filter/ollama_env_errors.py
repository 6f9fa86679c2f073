# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_env_errors
short_description: Find problems in a free-form Ollama environment dict
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Refuses invalid names, variables that Ollama removed, variables that have a typed role variable"
  - "(C(OLLAMA_HOST), C(OLLAMA_ORIGINS), C(OLLAMA_MODELS), ...), C(OLLAMA_DEBUG_LOG_REQUESTS) (it writes request"
  - "bodies to disk), nested values and newlines."
options:
  _input:
    description:
      - >-
        The environment dict.
    type: dict
    required: true
"""

EXAMPLES = r"""
errors: "{{ {'OLLAMA_NEW_ENGINE': '1'} | localllm.ollama.ollama_env_errors }}"
"""

RETURN = r"""
_value:
  description: >-
    List of messages; empty when fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_env_errors = logic.as_filter("ollama_env_errors", logic.env_errors)


class FilterModule:
    """Find problems in a free-form Ollama environment dict"""

    def filters(self):
        return {"ollama_env_errors": ollama_env_errors}
