# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_connect_url
short_description: Local URL of the Ollama API for a bind address
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Maps wildcard binds (C(0.0.0.0), C(::)) to loopback and brackets IPv6 addresses."
options:
  _input:
    description:
      - >-
        The bind address.
    type: str
    required: true
  port:
    description:
      - >-
        The port.
    type: int
    required: true
"""

EXAMPLES = r"""
url: "{{ '0.0.0.0' | localllm.ollama.ollama_connect_url(11434) }}"  # => http://127.0.0.1:11434
"""

RETURN = r"""
_value:
  description: >-
    The base URL.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_connect_url = logic.as_filter("ollama_connect_url", logic.connect_url)


class FilterModule:
    """Local URL of the Ollama API for a bind address"""

    def filters(self):
        return {"ollama_connect_url": ollama_connect_url}
