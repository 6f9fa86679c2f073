# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_container_port
short_description: Published-port entry of the Ollama container
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Builds the C(docker run -p) form C(<address>:<port>:11434) that publishes the container's API port on a host"
  - "address and port. IPv6 addresses are bracketed. Fails for anything that is not an IP address."
options:
  _input:
    description:
      - >-
        The host IP address to publish on.
    type: str
    required: true
  port:
    description:
      - >-
        The host port.
    type: int
    required: true
"""

EXAMPLES = r"""
ports: ["{{ '127.0.0.1' | localllm.ollama.ollama_container_port(11434) }}"]  # => ["127.0.0.1:11434:11434"]
"""

RETURN = r"""
_value:
  description: >-
    The published-port entry for community.docker.docker_container.
  type: str
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as container

ollama_container_port = logic.as_filter("ollama_container_port", container.published_port)


class FilterModule:
    """Published-port entry of the Ollama container"""

    def filters(self):
        return {"ollama_container_port": ollama_container_port}
