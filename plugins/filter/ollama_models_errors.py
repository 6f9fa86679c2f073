# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_models_errors
short_description: Validate model lists for the Ollama role
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Checks C(ollama_models) and C(ollama_custom_models) entries: a valid Ollama model name, a known state,"
  - "no unknown keys, C(from) for custom models, and that an exclusive sync keeps at least one model."
options:
  _input:
    description:
      - >-
        The C(ollama_models) list.
    type: list
    elements: raw
    required: true
  custom_models:
    description:
      - >-
        The C(ollama_custom_models) list.
    type: list
    elements: dict
  exclusive:
    description:
      - >-
        Whether models not listed will be removed.
    type: bool
    default: false
"""

EXAMPLES = r"""
errors: "{{ ollama_models | localllm.ollama.ollama_models_errors(ollama_custom_models, ollama_models_exclusive) }}"
"""

RETURN = r"""
_value:
  description: >-
    List of messages; empty when fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_models_errors = logic.as_filter("ollama_models_errors", logic.models_errors)


class FilterModule:
    """Validate model lists for the Ollama role"""

    def filters(self):
        return {"ollama_models_errors": ollama_models_errors}
