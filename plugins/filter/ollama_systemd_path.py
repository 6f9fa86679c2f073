# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_systemd_path
short_description: Escape a path for a systemd path list setting
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Escapes spaces, backslashes and C(%) so the path can be used in C(ReadWritePaths=)."
options:
  _input:
    description:
      - >-
        The path.
    type: path
    required: true
"""

EXAMPLES = r"""
rw: "ReadWritePaths={{ '/srv/my models' | localllm.ollama.ollama_systemd_path }}"
"""

RETURN = r"""
_value:
  description: >-
    The escaped path.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_systemd_path = logic.as_filter("ollama_systemd_path", logic.systemd_path_escape)


class FilterModule:
    """Escape a path for a systemd path list setting"""

    def filters(self):
        return {"ollama_systemd_path": ollama_systemd_path}
