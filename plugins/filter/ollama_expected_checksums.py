# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_expected_checksums
short_description: Expected sha256 of every archive in an Ollama archive plan
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Combines the plan from P(localllm.ollama.ollama_archive_plan#filter) with the downloaded C(sha256sum.txt)"
  - "texts. Archives whose checksum is unknown map to an empty string."
options:
  _input:
    description:
      - >-
        The archive plan.
    type: list
    elements: dict
    required: true
  sums:
    description:
      - >-
        Dict of C(sums_location) to the text of that C(sha256sum.txt).
    type: dict
    required: true
"""

EXAMPLES = r"""
sums: "{{ __ollama_archives | localllm.ollama.ollama_expected_checksums({'https://m/v1/sha256sum.txt': text}) }}"
"""

RETURN = r"""
_value:
  description: >-
    Dict of archive file name to lower-case hex sha256 (or an empty string).
  type: dict
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_expected_checksums = logic.as_filter("ollama_expected_checksums", logic.expected_checksums)


class FilterModule:
    """Expected sha256 of every archive in an Ollama archive plan"""

    def filters(self):
        return {"ollama_expected_checksums": ollama_expected_checksums}
