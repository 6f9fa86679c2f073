# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_managed_dirs
short_description: Refuse symlinks the Ollama service user could have planted in the directories the role manages
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Takes the results of an C(ansible.builtin.stat) loop with C(follow: false) over the home, C(<home>/.ollama), the"
  - "models directory and their parents, and returns the problems plus the real path of each managed directory."
  - "A symlink inside the service user's home or models tree is refused (the role runs as root and would chown or"
  - "delete its target). A symlink outside it is accepted only when root owns it and the directory it sits in is"
  - "root's and writable by nobody else; the role then manages the directory it points to."
options:
  _input:
    description:
      - >-
        The C(results) list of the stat loop (each with C(item), the path, and C(stat)).
    type: list
    elements: dict
    required: true
  home:
    description:
      - >-
        Home directory of the service user.
    type: path
    required: true
  models_path:
    description:
      - >-
        The models directory the service uses.
    type: path
    required: true
  user:
    description:
      - >-
        Name of the service user (for the messages).
    type: str
    default: ollama
"""

EXAMPLES = r"""
check: >-
  {{ __stat.results
     | localllm.ollama.ollama_managed_dirs('/usr/share/ollama', '/usr/share/ollama/.ollama/models') }}
# => {'errors': [], 'paths': {'/usr/share/ollama': '/usr/share/ollama', ...}}
"""

RETURN = r"""
_value:
  description: >-
    Dict with C(errors) (list of messages, empty when fine) and C(paths) (managed directory -> the directory the
    role really manages).
  type: dict
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_managed_dirs = logic.as_filter("ollama_managed_dirs", logic.managed_dirs)


class FilterModule:
    """Refuse symlinks the Ollama service user could have planted in the directories the role manages"""

    def filters(self):
        return {"ollama_managed_dirs": ollama_managed_dirs}
