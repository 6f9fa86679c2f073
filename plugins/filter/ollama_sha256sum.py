# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_sha256sum
short_description: Look up a file's checksum in sha256sum.txt content
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Finds the line for O(name) in the text of a C(sha256sum.txt) file (C(<hex>  ./name) as upstream writes it)."
  - "Returns an empty string when the file is not listed."
options:
  _input:
    description:
      - >-
        The content of C(sha256sum.txt).
    type: str
    required: true
  name:
    description:
      - >-
        The file name to look up.
    type: str
    required: true
"""

EXAMPLES = r"""
sum: "{{ sums.content | localllm.ollama.ollama_sha256sum('ollama-linux-amd64.tar.zst') }}"
"""

RETURN = r"""
_value:
  description: >-
    The lower-case hex digest, or an empty string.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic


def _ollama_sha256sum(text, name):
    return logic.sha256sum_lookup(text, name) or ''


ollama_sha256sum = logic.as_filter("ollama_sha256sum", _ollama_sha256sum)


class FilterModule:
    """Look up a file's checksum in sha256sum.txt content"""

    def filters(self):
        return {"ollama_sha256sum": ollama_sha256sum}
