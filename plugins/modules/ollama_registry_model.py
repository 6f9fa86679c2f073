#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_registry_model
short_description: Upload the models of a model bundle into a Docker V2 registry (a site model mirror)
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - Uploads the models of a bundle (see M(localllm.ollama.ollama_model_bundle)) into a Docker Registry HTTP API V2
    registry, such as Debian's C(docker-registry) on a site mirror, the same way C(ollama push) does. Ollama
    servers then pull them as C(<registry host[:port]>/<namespace>/<model>:<tag>).
  - The whole bundle is verified first (every blob present, with the manifest's size and sha256); nothing is
    uploaded from a bundle with a missing or corrupt blob.
  - Idempotent by digest. When the registry already serves the same manifest digest for the tag nothing is
    uploaded; otherwise only the blobs the repository lacks are uploaded, then the manifest (its bytes unchanged,
    so the digest servers see is the bundle's).
  - Blobs are uploaded in chunks (O(chunk_size)). A chunk that fails is retried from the offset the registry
    reports; an upload that a previous run left unfinished goes on from where it stopped when the registry still
    knows it (the upload URL is kept in O(state_dir)).
  - "Runs next to the bundle, normally on the controller (C(delegate_to: localhost), C(run_once: true))."
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    description: Running the module again with the same options changes nothing.
    support: full
  platform:
    platforms: posix
options:
  registry_url:
    description:
      - The registry, V(http://host:port) or V(https://host[:port]) only; no path, query or user info (the
        repository comes from the model name, the credentials from O(url_username)/O(url_password)).
    type: str
    required: true
  path:
    description:
      - The bundle directory (C(manifests/...) and C(blobs/...)).
    type: path
    required: true
  name:
    description:
      - Upload only this model of the bundle (as users name it, V(llama3.1:8b)). Default every model of the bundle.
    type: str
  repository:
    description:
      - The registry repository to upload to. Default C(<namespace>/<model>) of the model name (V(library/llama3.1)
        for V(llama3.1:8b)); the tag is the model's tag. Only with O(name) or a bundle of one model.
      - Registry repositories are lower case; a model name with capitals needs this option.
    type: str
  url_username:
    description:
      - User name for the registry's basic authentication.
    type: str
  url_password:
    description:
      - Password for the registry's basic authentication.
    type: str
  validate_certs:
    description:
      - Verify the registry's TLS certificate. V(false) only for a test.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM) to verify the registry's certificate with, for a site CA or a self-signed mirror.
    type: path
  chunk_size:
    description:
      - Bytes per upload request.
    type: int
    default: 16777216
  state_dir:
    description:
      - Where the URLs of unfinished uploads are kept between runs (one small file per blob, removed when the blob
        is complete).
    type: path
    default: ~/.cache/localllm.ollama/registry-uploads
  timeout:
    description:
      - Seconds to wait for each request.
    type: int
    default: 60
notes:
  - Ollama can only pull from a registry whose blob GETs answer a redirect to another host name (as
    C(registry.ollama.ai) does to its CDN); the localllm.ollama.model_mirror role configures that. Uploading does
    not depend on it.
seealso:
  - module: localllm.ollama.ollama_model_bundle
  - module: localllm.ollama.ollama_model
"""

EXAMPLES = r"""
- name: Seed the site mirror from a bundle on the controller
  localllm.ollama.ollama_registry_model:
    registry_url: https://models.example.com
    path: "{{ playbook_dir }}/bundles/llama3.1-8b"
    url_username: seeder
    url_password: "{{ vault_mirror_push_password }}"
    ca_path: /etc/ssl/site-ca.pem
  delegate_to: localhost
  run_once: true

- name: Upload one model of a bigger bundle under another repository
  localllm.ollama.ollama_registry_model:
    registry_url: http://10.0.0.5:5000
    path: /srv/bundles/site
    name: Acme/Helper:v2
    repository: acme/helper
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
models:
  description: One entry per model of the bundle that was handled.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The model name as C(/api/tags) lists it on the server the bundle came from.
      type: str
      sample: llama3.1:8b
    repository:
      description: The registry repository.
      type: str
      sample: library/llama3.1
    reference:
      description: The tag.
      type: str
      sample: 8b
    pull_name:
      description: The name an Ollama server pulls this model as from the registry.
      type: str
      sample: models.example.com/library/llama3.1:8b
    digest:
      description: The manifest digest.
      type: str
      sample: sha256:46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e
    before:
      description: The manifest digest the registry served for the tag before, V(null) when it had none.
      type: str
    size:
      description: Config and layer bytes of the model.
      type: int
    changed:
      description: Whether anything was (in check mode, would be) uploaded for this model.
      type: bool
    blobs_uploaded:
      description: How many blobs were (in check mode, would be) uploaded.
      type: int
    bytes_uploaded:
      description: Blob bytes sent (in check mode, the size of the blobs that would be).
      type: int
registry_url:
  description: The registry.
  returned: always
  type: str
  sample: https://models.example.com
"""

import traceback
import urllib.parse

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.module_utils._bundle import (
    BundleError,
    read_store,
    select,
    verify,
)
from ansible_collections.localllm.ollama.plugins.module_utils._registry import (
    DEFAULT_CHUNK_SIZE,
    RegistryClient,
    RegistryError,
    registry_base_url_error,
    repository_error,
)


def plan(params, models):
    """(model, repository, tag) for every model; every name checked before a request is made."""
    if params['repository'] and len(models) != 1:
        raise BundleError('repository %s is given but the bundle %s has %d models (%s); choose one with name'
                          % (params['repository'], params['path'], len(models), ', '.join(m.display for m in models)))
    out = []
    for model in models:
        repository = params['repository'] or '%s/%s' % (model.name.namespace, model.name.model)
        error = repository_error(repository)
        if error:
            raise BundleError('%s (from the model %s): set repository to a lower-case name' % (error, model.display)
                              if not params['repository'] else error)
        out.append((model, repository, model.name.tag))
    return out


def run(module):
    params = module.params
    error = registry_base_url_error(params['registry_url'])
    if error:
        raise BundleError(error)
    if params['chunk_size'] < 1:
        raise BundleError('chunk_size must be at least 1 byte, got %d' % params['chunk_size'])
    path = params['path']
    models = select(read_store(path), [params['name']] if params['name'] else None, path)
    # Every blob of every model is checked (presence, size, sha256) before the first request to the registry.
    verify(path, models, checksum=True)
    work = plan(params, models)
    client = RegistryClient(module, params['registry_url'], username=params['url_username'],
                            password=params['url_password'], validate_certs=params['validate_certs'],
                            ca_path=params['ca_path'], timeout=params['timeout'],
                            state_dir=params['state_dir'])
    host = urllib.parse.urlsplit(client.base_url).netloc
    results = []
    for model, repository, tag in work:
        before = client.manifest_digest(repository, tag)
        item = {'name': model.display, 'repository': repository, 'reference': tag, 'digest': model.digest,
                'before': before, 'size': model.size, 'pull_name': '%s/%s:%s' % (host, repository, tag),
                'changed': False, 'blobs_uploaded': 0, 'bytes_uploaded': 0}
        results.append(item)
        if before == model.digest:
            continue
        item['changed'] = True
        missing = []
        for blob in model.blobs:
            if blob.digest not in [b.digest for b in missing] and not client.blob_exists(repository, blob.digest):
                missing.append(blob)
        item['blobs_uploaded'] = len(missing)
        if module.check_mode:
            item['bytes_uploaded'] = sum(b.size for b in missing)
            continue
        for blob in missing:
            item['bytes_uploaded'] += client.upload_blob(repository, blob.digest, '%s/blobs/%s' % (path, blob.filename),
                                                         params['chunk_size'])
        stored = client.put_manifest(repository, tag, model.data, model.media_type)
        if stored != model.digest:
            raise RegistryError('upload manifest %s:%s: the registry %s stored it as %s, the bundle has %s: the '
                                'registry rewrote the manifest, so Ollama servers would not see the same model'
                                % (repository, tag, client.base_url, stored, model.digest))
    changed = any(r['changed'] for r in results)
    result = {'changed': changed, 'models': results, 'registry_url': client.base_url}
    if module._diff and changed:
        result['diff'] = {
            'before': ''.join('%s:%s %s\n' % (r['repository'], r['reference'], r['before'] or 'absent')
                              for r in results if r['changed']),
            'after': ''.join('%s:%s %s\n' % (r['repository'], r['reference'], r['digest'])
                             for r in results if r['changed']),
            'before_header': client.base_url, 'after_header': client.base_url,
        }
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            registry_url=dict(type='str', required=True),
            path=dict(type='path', required=True),
            name=dict(type='str'),
            repository=dict(type='str'),
            url_username=dict(type='str'),
            url_password=dict(type='str', no_log=True),
            validate_certs=dict(type='bool', default=True),
            ca_path=dict(type='path'),
            chunk_size=dict(type='int', default=DEFAULT_CHUNK_SIZE),
            state_dir=dict(type='path', default='~/.cache/localllm.ollama/registry-uploads'),
            timeout=dict(type='int', default=60),
        ),
        required_together=[('url_username', 'url_password')],
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except BundleError as e:
        module.fail_json(msg=str(e), path=module.params['path'])
    except RegistryError as e:
        module.fail_json(msg=str(e), url=e.url, status=e.status)
    except OSError as e:
        module.fail_json(msg='%s: %s' % (getattr(e, 'filename', None) or module.params['path'], e.strerror or e))
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
