# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_container_errors
short_description: Validate the container settings of the Ollama role
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Checks the settings of C(ollama_install_method: container): an image repository without tag or digest, a"
  - "Docker tag, container and volume names, and a publish address that is an IP address."
  - "A non-loopback publish address is refused unless C(publish_public) is true, because Docker-published ports"
  - "bypass UFW. Binary-only settings (models directory, systemd hardening) and Jetson bundles are refused too."
options:
  _input:
    description:
      - >-
        Dict with C(image), C(tag), C(name), C(volume), C(publish_address), C(publish_public), C(gpus),
        C(models_dir), C(hardening) and C(bundles).
    type: dict
    required: true
"""

EXAMPLES = r"""
errors: "{{ {'image': 'ollama/ollama', 'tag': none, 'name': 'ollama', 'volume': 'ollama',
             'publish_address': '0.0.0.0'} | localllm.ollama.ollama_container_errors }}"
# => ["the API would be published on every interface. Docker publishes ports ..."]
"""

RETURN = r"""
_value:
  description: >-
    List of messages; empty when fine.
  type: list
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as container

ollama_container_errors = logic.as_filter("ollama_container_errors", container.container_errors)


class FilterModule:
    """Validate the container settings of the Ollama role"""

    def filters(self):
        return {"ollama_container_errors": ollama_container_errors}
