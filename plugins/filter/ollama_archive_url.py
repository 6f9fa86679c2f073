# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_archive_url
short_description: Download URL of an Ollama Linux release archive
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Returns the GitHub release asset URL C(https://github.com/ollama/ollama/releases/download/v<version>/<name>),"
  - "or the same file name under O(base_url) for an internal mirror."
options:
  _input:
    description:
      - >-
        The Ollama version.
    type: str
    required: true
  arch:
    description:
      - >-
        Machine or archive architecture.
    type: str
    required: true
  base_url:
    description:
      - >-
        Mirror directory URL that holds the same file names (and C(sha256sum.txt)).
    type: str
  bundle:
    description:
      - >-
        Optional GPU bundle (C(rocm), C(jetpack5), C(jetpack6)).
    type: str
"""

EXAMPLES = r"""
url: "{{ '0.32.15' | localllm.ollama.ollama_archive_url('x86_64') }}"
mirror: "{{ '0.32.15' | localllm.ollama.ollama_archive_url('x86_64', 'https://mirror.example.com/ollama/v0.32.15') }}"
"""

RETURN = r"""
_value:
  description: >-
    The URL.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_archive_url = logic.as_filter("ollama_archive_url", logic.archive_url)


class FilterModule:
    """Download URL of an Ollama Linux release archive"""

    def filters(self):
        return {"ollama_archive_url": ollama_archive_url}
