# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_archive_plan
short_description: Decide where each Ollama archive comes from and how it is verified
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Takes the role's archive settings and returns one entry per archive to install (the main archive first,"
  - "then the GPU bundles), with its source, location and checksum source."
  - "The checksum source is, in order, the explicit checksum (main archive only), the role's pinned map (only for"
  - "the official GitHub URL), the C(sha256sum.txt) beside the archive, or none when verification is off."
  - "Fails when more than one archive source is given."
options:
  _input:
    description:
      - >-
        Dict with C(version), C(arch) and optionally C(bundles), C(src), C(url), C(base_url), C(checksum),
        C(pinned), C(verify).
    type: dict
    required: true
"""

EXAMPLES = r"""
plan: "{{ {'version': '0.32.15', 'arch': 'x86_64', 'bundles': ['rocm']} | localllm.ollama.ollama_archive_plan }}"
"""

RETURN = r"""
_value:
  description: >-
    List of dicts with keys C(name), C(bundle), C(source) (C(controller) or C(url)), C(location),
    C(checksum), C(checksum_from) (C(explicit), C(pinned), C(sha256sum), C(none)) and C(sums_location).
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_archive_plan = logic.as_filter("ollama_archive_plan", logic.archive_plan)


class FilterModule:
    """Decide where each Ollama archive comes from and how it is verified"""

    def filters(self):
        return {"ollama_archive_plan": ollama_archive_plan}
