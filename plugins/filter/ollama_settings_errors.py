# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_settings_errors
short_description: Validate the typed settings of the Ollama role
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Runs every check the role's preflight needs on the typed service settings: bind address (no scheme, path or"
  - "port), port range, origins, models directory, durations, integers, K/V cache type and flash attention,"
  - "debug level, visible devices, proxies, the free-form environment (C(OLLAMA_DEBUG_LOG_REQUESTS) is refused),"
  - "C(cloud) against an C(OLLAMA_NO_CLOUD) in it, and C(staging_dir): never a system or shared directory nor one"
  - "that overlaps C(home), C(models_dir) or C(install_prefix)."
options:
  _input:
    description:
      - >-
        Dict of settings (the keys of P(localllm.ollama.ollama_service_env#filter) plus C(hardening),
        C(download_proxy), C(staging_dir) and C(install_prefix)).
    type: dict
    required: true
"""

EXAMPLES = r"""
errors: "{{ {'bind_address': 'http://0.0.0.0', 'port': 11434} | localllm.ollama.ollama_settings_errors }}"
"""

RETURN = r"""
_value:
  description: >-
    List of messages; empty when fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_settings_errors = logic.as_filter("ollama_settings_errors", logic.settings_errors)


class FilterModule:
    """Validate the typed settings of the Ollama role"""

    def filters(self):
        return {"ollama_settings_errors": ollama_settings_errors}
