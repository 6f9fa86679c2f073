# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_env_split
short_description: Split the Ollama service environment into shown and root-only variables
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Secret variables go to a root-only C(EnvironmentFile=) instead of the world-readable drop-in, where"
  - "C(systemctl show) would print them: the proxy variables (C(HTTPS_PROXY), C(HTTP_PROXY), C(ALL_PROXY), any case),"
  - "values that are URLs with user info (C(scheme://user:password@host)) and names containing C(KEY), C(TOKEN),"
  - "C(SECRET), C(PASSW) or C(CREDENTIAL)."
options:
  _input:
    description:
      - >-
        The environment dict (P(localllm.ollama.ollama_service_env#filter)).
    type: dict
    required: true
"""

EXAMPLES = r"""
split: "{{ {'HOME': '/usr/share/ollama', 'HTTPS_PROXY': 'http://u:p@proxy:3128'} | localllm.ollama.ollama_env_split }}"
# => {'public': {'HOME': '/usr/share/ollama'}, 'secret': {'HTTPS_PROXY': 'http://u:p@proxy:3128'}}
"""

RETURN = r"""
_value:
  description: >-
    Dict with C(public) and C(secret), each an environment dict in the original order.
  type: dict
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_env_split = logic.as_filter("ollama_env_split", logic.env_split)


class FilterModule:
    """Split the Ollama service environment into shown and root-only variables"""

    def filters(self):
        return {"ollama_env_split": ollama_env_split}
