# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_model_tiers_errors
short_description: Validate the model tier table of the Ollama role
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Checks C(ollama_model_tiers): a list of dicts with only C(min_vram_gib), C(models) and C(name); C(min_vram_gib) a
    number >= 0 and unique; C(models) a non-empty list of valid Ollama model names or C({name, state, insecure}) dicts
    with C(state) C(present) or C(latest)."
  - "Also checks C(ollama_model_tiers_vram_gib) (null or a number >= 0) and C(ollama_model_tiers_vram_source)."
options:
  _input:
    description:
      - "The C(ollama_model_tiers) list."
    type: raw
    required: true
  vram_gib:
    description:
      - "C(ollama_model_tiers_vram_gib)."
    type: raw
  vram_source:
    description:
      - "C(ollama_model_tiers_vram_source)."
    type: str
    default: max
"""

EXAMPLES = r"""
errors: >-
  {{ ollama_model_tiers
     | localllm.ollama.ollama_model_tiers_errors(ollama_model_tiers_vram_gib, ollama_model_tiers_vram_source) }}
"""

RETURN = r"""
_value:
  description: >-
    List of messages, each naming the tier and key to fix; empty when fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as role
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_vram as logic

ollama_model_tiers_errors = role.as_filter("ollama_model_tiers_errors", logic.tiers_errors)


class FilterModule:
    """Validate the model tier table of the Ollama role"""

    def filters(self):
        return {"ollama_model_tiers_errors": ollama_model_tiers_errors}
