# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_tier_select
short_description: Choose a host's model tier by VRAM and merge its models into the model list
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Picks the tier of C(ollama_model_tiers) with the highest C(min_vram_gib) that is not above O(vram_gib) (the order
    of the tiers does not matter) and appends its models to O(models) (C(ollama_models))."
  - "A tier model that is already in O(models) is not added again; names are compared the way Ollama matches them
    (C(llama3.2) = C(llama3.2:latest) = C(registry.ollama.ai/library/llama3.2:latest), case-insensitive), and the
    O(models) entry wins (so C(state=absent) there keeps a tier model away)."
  - "When no tier fits (for example a CPU-only host with 0 GiB and no C(min_vram_gib: 0) tier) nothing is added and
    RV(message) says so."
  - "Fails with the list of problems when the tiers are malformed (a tier without C(min_vram_gib) or C(models), a bad
    model name, two tiers with the same C(min_vram_gib), ...)."
options:
  _input:
    description:
      - "The tiers, a list of C({min_vram_gib: <GiB>, models: [<name or {name, state, insecure}>], name: <label>})."
    type: list
    elements: dict
    required: true
  vram_gib:
    description:
      - "The host's VRAM in GiB (0 for a host without a usable GPU)."
    type: float
    required: true
  models:
    description:
      - "The models the host gets anyway (C(ollama_models): names or dicts)."
    type: list
    elements: raw
    default: []
  source:
    description:
      - "Where O(vram_gib) came from, shown in RV(message) (for example C(detected, largest GPU))."
    type: str
"""

EXAMPLES = r"""
selection: >-
  {{ ollama_model_tiers | localllm.ollama.ollama_tier_select(23.99, ollama_models, source='detected') }}
# with ollama_model_tiers = [{min_vram_gib: 0, models: [llama3.2:3b]}, {min_vram_gib: 23, models: [qwen2.5:32b]}]
# and ollama_models = [nomic-embed-text]:
# => selection.models  == ['nomic-embed-text', 'qwen2.5:32b']
#    selection.message == "23.99 GiB VRAM (detected) -> tier 1 (min_vram_gib 23): adds qwen2.5:32b"
"""

RETURN = r"""
_value:
  description: The choice.
  type: dict
  contains:
    vram_gib:
      description: The VRAM compared, in GiB.
      type: float
    tier:
      description: The chosen tier (index, name, min_vram_gib, models), or null when none fits.
      type: dict
    added:
      description: Names of the tier models appended to the model list.
      type: list
    already_listed:
      description: Names of the tier models that O(models) already lists.
      type: list
    models:
      description: O(models) followed by the added tier entries; use it instead of C(ollama_models).
      type: list
    message:
      description: One line for a person, for example C(11.5 GiB VRAM -> tier 1 'gpu-8g' (min_vram_gib 8) adds ...).
      type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_vram as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import as_filter

ollama_tier_select = as_filter("ollama_tier_select", logic.tier_select)


class FilterModule:
    """Choose a host's model tier by VRAM and merge its models into the model list"""

    def filters(self):
        return {"ollama_tier_select": ollama_tier_select}
