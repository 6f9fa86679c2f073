# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_keep_models
short_description: Names of the models an exclusive model sync keeps
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Every entry of the model lists that is not C(state=absent); entries may be names or dicts."
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
"""

EXAMPLES = r"""
keep: "{{ ollama_models | localllm.ollama.ollama_keep_models(ollama_custom_models) }}"
"""

RETURN = r"""
_value:
  description: >-
    List of model names.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_keep_models = logic.as_filter("ollama_keep_models", logic.keep_models)


class FilterModule:
    """Names of the models an exclusive model sync keeps"""

    def filters(self):
        return {"ollama_keep_models": ollama_keep_models}
