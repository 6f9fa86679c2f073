# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_container_tag
short_description: Image tag of the Ollama container for a version
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Returns O(tag) when it is set; otherwise the version without a leading C(v), with C(-rocm) appended when"
  - "O(bundles) contains C(rocm) (upstream's C(ollama/ollama:0.32.15-rocm)). C(latest) maps to C(latest) or C(rocm)."
options:
  _input:
    description:
      - >-
        The Ollama version (C(X.Y.Z) or C(latest)).
    type: str
    required: true
  tag:
    description:
      - >-
        An explicit tag; wins when set.
    type: str
  bundles:
    description:
      - >-
        The GPU bundles (C(ollama_gpu_bundles)).
    type: list
    elements: str
"""

EXAMPLES = r"""
tag: "{{ '0.32.15' | localllm.ollama.ollama_container_tag(none, ['rocm']) }}"  # => 0.32.15-rocm
"""

RETURN = r"""
_value:
  description: >-
    The image tag.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as container

ollama_container_tag = logic.as_filter("ollama_container_tag", container.container_tag)


class FilterModule:
    """Image tag of the Ollama container for a version"""

    def filters(self):
        return {"ollama_container_tag": ollama_container_tag}
