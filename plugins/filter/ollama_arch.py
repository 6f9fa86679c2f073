# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_arch
short_description: Map a machine architecture to the Ollama archive architecture
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Maps C(x86_64)/C(amd64) to C(amd64) and C(aarch64)/C(arm64) to C(arm64), like upstream's install.sh."
  - "Fails for any other architecture."
options:
  _input:
    description:
      - >-
        The machine architecture, usually C(ansible_facts['architecture']).
    type: str
    required: true
"""

EXAMPLES = r"""
arch: "{{ ansible_facts['architecture'] | localllm.ollama.ollama_arch }}"  # => amd64
"""

RETURN = r"""
_value:
  description: >-
    C(amd64) or C(arm64).
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_arch = logic.as_filter("ollama_arch", logic.ollama_arch)


class FilterModule:
    """Map a machine architecture to the Ollama archive architecture"""

    def filters(self):
        return {"ollama_arch": ollama_arch}
