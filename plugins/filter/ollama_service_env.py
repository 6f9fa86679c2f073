# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_service_env
short_description: Build the Ollama service environment from typed settings
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Maps the role's typed variables to environment variables (C(HOME), C(OLLAMA_HOST), C(OLLAMA_ORIGINS), ...)."
  - "Settings that are null are left out so that Ollama's own default applies; the free-form C(environment)"
  - "dict is applied last. Booleans become C(1)/C(0). C(cloud) false sets C(OLLAMA_NO_CLOUD=1); true or absent"
  - "leaves Ollama's default (cloud features on)."
options:
  _input:
    description:
      - >-
        Dict with any of C(home), C(bind_address), C(port), C(origins), C(models_dir), C(keep_alive),
        C(num_parallel), C(max_loaded_models), C(max_queue), C(context_length), C(flash_attention),
        C(kv_cache_type), C(load_timeout), C(gpu_overhead), C(sched_spread), C(noprune), C(debug),
        C(visible_devices), C(cloud), C(https_proxy), C(no_proxy), C(environment).
    type: dict
    required: true
"""

EXAMPLES = r"""
env: "{{ {'home': '/usr/share/ollama', 'bind_address': '0.0.0.0', 'port': 11434} | localllm.ollama.ollama_service_env }}"
# => {'HOME': '/usr/share/ollama', 'OLLAMA_HOST': '0.0.0.0:11434'}
"""

RETURN = r"""
_value:
  description: >-
    Dict of environment variable names to string values.
  type: dict
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic

ollama_service_env = logic.as_filter("ollama_service_env", logic.service_env)


class FilterModule:
    """Build the Ollama service environment from typed settings"""

    def filters(self):
        return {"ollama_service_env": ollama_service_env}
