# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_origins_errors
short_description: Find OLLAMA_ORIGINS entries that would make Ollama panic
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Checks every entry the way gin-contrib/cors does at Ollama's startup: an entry without C(*) must start with"
  - "C(http://), C(https://), C(chrome-extension://), C(safari-extension://), C(moz-extension://) or"
  - "C(ms-browser-extension://); only one C(*) is allowed; whitespace and commas are refused."
options:
  _input:
    description:
      - >-
        The list of origins.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
errors: "{{ ['https://dify.example.com', 'example.com'] | localllm.ollama.ollama_origins_errors }}"
"""

RETURN = r"""
_value:
  description: >-
    One message per bad entry, saying how to fix it; empty when all entries are fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_origins_errors = logic.as_filter("ollama_origins_errors", logic.origins_errors)


class FilterModule:
    """Find OLLAMA_ORIGINS entries that would make Ollama panic"""

    def filters(self):
        return {"ollama_origins_errors": ollama_origins_errors}
