#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_info
short_description: Read the version, the models and the running models of an Ollama server
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - Reads C(/api/version), C(/api/tags) and C(/api/ps) of an Ollama server (directly or through a gateway) and
    returns them in a stable shape. Never changes anything.
extends_documentation_fragment:
  - localllm.ollama.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  action_group:
    version_added: 0.1.0
    membership:
      - localllm.ollama.ollama
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: Running the module again with the same options changes nothing.
    support: full
  platform:
    platforms: posix
options:
  gather:
    description:
      - Which parts to read. V(version) is C(/api/version), V(models) is C(/api/tags), V(running) is C(/api/ps).
    type: list
    elements: str
    choices: [version, models, running]
    default: [version, models, running]
seealso:
  - module: localllm.ollama.ollama_model
  - module: localllm.ollama.ollama_verify
"""

EXAMPLES = r"""
- name: Read what the local server has
  localllm.ollama.ollama_info:
  register: ollama

- name: Show the installed model names
  ansible.builtin.debug:
    msg: "{{ ollama.models | map(attribute='name') | list }}"

- name: Read the models through the TLS gateway from the controller
  localllm.ollama.ollama_info:
    url: https://gw.example.com
    api_key: "{{ vault_gateway_token }}"
    gather: [models]
  delegate_to: localhost
  register: remote
"""

RETURN = r"""
endpoint:
  description: The effective base URL the module talked to (without credentials).
  returned: always
  type: str
  sample: http://127.0.0.1:11434
version:
  description: Server version from C(/api/version).
  returned: when V(version) is in O(gather)
  type: str
  sample: 0.32.15
models:
  description: Installed models from C(/api/tags), newest first.
  returned: when V(models) is in O(gather)
  type: list
  elements: dict
  contains:
    name:
      description: Model name as Ollama lists it (always with a tag).
      type: str
      sample: llama3.2:latest
    digest:
      description: Manifest digest (hex, no C(sha256:) prefix).
      type: str
      sample: a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72
    size:
      description: Size in bytes.
      type: int
      sample: 2019393189
    family:
      description: Model family from the details.
      type: str
      sample: llama
    parameter_size:
      description: Parameter count as Ollama prints it.
      type: str
      sample: 3.2B
    quantization_level:
      description: Quantization of the weights.
      type: str
      sample: Q4_K_M
    modified_at:
      description: When the model was pulled or created (server local time with offset).
      type: str
      sample: "2026-11-20T10:11:12.123456+00:00"
  sample: [{"name": "llama3.2:latest", "digest": "a80c4f17acd5...", "size": 2019393189, "family": "llama",
            "parameter_size": "3.2B", "quantization_level": "Q4_K_M", "modified_at": "2026-11-20T10:11:12+00:00"}]
running:
  description: Models loaded in memory, from C(/api/ps).
  returned: when V(running) is in O(gather)
  type: list
  elements: dict
  contains:
    name:
      description: Model name.
      type: str
      sample: llama3.2:latest
    digest:
      description: Manifest digest.
      type: str
      sample: a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72
    size:
      description: Memory the loaded model uses, in bytes.
      type: int
      sample: 3055122432
    size_vram:
      description: Part of RV(running[].size) held in GPU memory; 0 means the model runs on the CPU only.
      type: int
      sample: 3055122432
    context_length:
      description: Context length the model was loaded with (newer servers only).
      type: int
      sample: 4096
    expires_at:
      description: When the model will be unloaded.
      type: str
      sample: "2026-11-20T10:16:12.123456+00:00"
  sample: []
"""

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.module_utils._api import (
    CONNECTION_MUTUALLY_EXCLUSIVE,
    CONNECTION_REQUIRED_BY,
    CONNECTION_REQUIRED_TOGETHER,
    OllamaApiError,
    OllamaClient,
    ollama_argument_spec,
    protect_url_credentials,
)


def model_entry(item):
    details = item.get('details') or {}
    return {
        'name': item.get('name') or item.get('model'),
        'digest': item.get('digest'),
        'size': item.get('size'),
        'family': details.get('family'),
        'parameter_size': details.get('parameter_size'),
        'quantization_level': details.get('quantization_level'),
        'modified_at': item.get('modified_at'),
    }


def running_entry(item):
    return {
        'name': item.get('name') or item.get('model'),
        'digest': item.get('digest'),
        'size': item.get('size'),
        'size_vram': item.get('size_vram', 0),
        'context_length': item.get('context_length'),
        'expires_at': item.get('expires_at'),
    }


def gather_info(client, parts):
    result = {'changed': False, 'endpoint': client.base_url}
    if 'version' in parts:
        result['version'] = client.version()
    if 'models' in parts:
        result['models'] = [model_entry(m) for m in client.tags()]
    if 'running' in parts:
        result['running'] = [running_entry(m) for m in client.ps()]
    return result


def main():
    argument_spec = ollama_argument_spec()
    argument_spec.update(
        gather=dict(type='list', elements='str', choices=['version', 'models', 'running'],
                    default=['version', 'models', 'running']),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE,
        required_together=CONNECTION_REQUIRED_TOGETHER,
        required_by=CONNECTION_REQUIRED_BY,
    )
    protect_url_credentials(module)
    try:
        client = OllamaClient.from_params(module.params)
        result = gather_info(client, module.params['gather'])
    except ValueError as e:
        module.fail_json(msg=str(e))
    except OllamaApiError as e:
        module.fail_json(msg=str(e), status=e.status, url=e.url)
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
