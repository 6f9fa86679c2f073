# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_path_parents
short_description: Parent directories of a path
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "C(/a/b/c) gives C([/a, /a/b]): the directories a service user must be able to traverse to reach C(/a/b/c)."
options:
  _input:
    description:
      - >-
        An absolute path.
    type: path
    required: true
"""

EXAMPLES = r"""
parents: "{{ '/srv/ollama/models' | localllm.ollama.ollama_path_parents }}"  # => ['/srv', '/srv/ollama']
"""

RETURN = r"""
_value:
  description: >-
    List of paths, outermost first.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_path_parents = logic.as_filter("ollama_path_parents", logic.path_parents)


class FilterModule:
    """Parent directories of a path"""

    def filters(self):
        return {"ollama_path_parents": ollama_path_parents}
