# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_version_errors
short_description: Validate an ollama_version value
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Accepts C(X.Y.Z) (optionally C(-rcN)) from 0.3.7 on, or the word C(latest)."
options:
  _input:
    description:
      - >-
        The version.
    type: str
    required: true
"""

EXAMPLES = r"""
errors: "{{ '0.32' | localllm.ollama.ollama_version_errors }}"
"""

RETURN = r"""
_value:
  description: >-
    List of messages; empty when fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_version_errors = logic.as_filter("ollama_version_errors", logic.version_errors)


class FilterModule:
    """Validate an ollama_version value"""

    def filters(self):
        return {"ollama_version_errors": ollama_version_errors}
