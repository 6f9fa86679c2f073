# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_archive_name
short_description: File name of an Ollama Linux release archive
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Returns C(ollama-linux-<arch>[-<bundle>].tar.zst) for 0.14.0 and later and C(.tgz) before."
options:
  _input:
    description:
      - >-
        The Ollama version, for example C(0.32.15).
    type: str
    required: true
  arch:
    description:
      - >-
        Machine or archive architecture (C(x86_64), C(aarch64), C(amd64), C(arm64)).
    type: str
    required: true
  bundle:
    description:
      - >-
        Optional GPU bundle (C(rocm), C(jetpack5), C(jetpack6)).
    type: str
"""

EXAMPLES = r"""
name: "{{ '0.32.15' | localllm.ollama.ollama_archive_name('x86_64') }}"  # => ollama-linux-amd64.tar.zst
old: "{{ '0.13.5' | localllm.ollama.ollama_archive_name('aarch64', 'rocm') }}"  # => ollama-linux-arm64-rocm.tgz
"""

RETURN = r"""
_value:
  description: >-
    The archive file name.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_archive_name = logic.as_filter("ollama_archive_name", logic.archive_name)


class FilterModule:
    """File name of an Ollama Linux release archive"""

    def filters(self):
        return {"ollama_archive_name": ollama_archive_name}
