#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_model_bundle
short_description: Export Ollama models into a model bundle, import a bundle into a models directory, or verify one
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - A model bundle is a directory in Ollama's own C(OLLAMA_MODELS) layout and nothing else,
    C(manifests/<host>/<namespace>/<model>/<tag>) (one Docker v2 manifest per model) and C(blobs/sha256-<hex>)
    (the config and every layer of every manifest). A bundle can therefore also be used as C(OLLAMA_MODELS)
    directly, uploaded into a registry with M(localllm.ollama.ollama_registry_model), or imported on another
    server without any registry ("export here, import there").
  - V(exported) copies one model of O(models_dir) into the bundle O(path); every blob is hashed while it is copied.
  - V(imported) places the bundle's models (or the one named by O(name)) into O(models_dir). Everything is verified
    first (every referenced blob present, with the manifest's size and sha256); only then are the blobs written
    (temporary file and rename, mode C(0644), directories C(0755), O(owner)/O(group)) and each manifest last.
    Ollama reads the manifests from disk on every request, so an imported model is listed by C(/api/tags) and
    can be used without restarting the server.
  - V(verified) checks the bundle and changes nothing.
  - Runs where the files are (no Ollama API involved). A model whose manifest bytes are already in place and whose
    blobs have the right size is left as it is.
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
  state:
    description:
      - V(exported) writes O(name) from O(models_dir) into the bundle O(path).
      - V(imported) writes the bundle's models into O(models_dir).
      - V(verified) only checks the bundle (see O(checksum)).
    type: str
    choices: [exported, imported, verified]
    required: true
  path:
    description:
      - The bundle directory on the host the module runs on. Created by V(exported).
    type: path
    required: true
  models_dir:
    description:
      - The Ollama models directory (C(OLLAMA_MODELS); C(~/.ollama/models) of the service account when that is
        unset). Required for V(exported) and V(imported).
    type: path
  name:
    description:
      - One model, as users name it (V(llama3.1:8b), V(mirror.example.com:5000/library/llama3.1:8b)); matched
        ignoring case, as Ollama does.
      - Required for V(exported). For V(imported) and V(verified) it limits the module to that model of the bundle
        (default all of them).
    type: str
  owner:
    description:
      - Owner (name or uid) of the files and directories the module writes, and of the model's existing files
        (they are changed to it). Usually the service account (V(ollama)). Default the user the module runs as.
    type: str
  group:
    description:
      - Group (name or gid) of the files and directories the module writes, see O(owner).
    type: str
  checksum:
    description:
      - For V(verified), also compare the content of every blob with its sha256 digest (reads every byte).
        V(false) checks presence and size only. V(imported) always compares the digests.
    type: bool
    default: true
notes:
  - Blobs already present in O(models_dir) with the right size are not copied again (their digest is their name).
  - Removing models is M(localllm.ollama.ollama_model)'s job (C(state=absent) through the API), which also removes
    the blobs no other model uses.
seealso:
  - module: localllm.ollama.ollama_registry_model
  - module: localllm.ollama.ollama_model
"""

EXAMPLES = r"""
- name: Export a model on a connected server
  localllm.ollama.ollama_model_bundle:
    state: exported
    name: llama3.1:8b
    models_dir: /var/lib/ollama/models
    path: /var/tmp/bundles/llama3.1-8b

- name: Bring the bundle to the controller
  ansible.posix.synchronize:
    mode: pull
    src: /var/tmp/bundles/llama3.1-8b/
    dest: "{{ playbook_dir }}/bundles/llama3.1-8b/"

- name: Check the bundle on the controller before it goes anywhere
  localllm.ollama.ollama_model_bundle:
    state: verified
    path: "{{ playbook_dir }}/bundles/llama3.1-8b"
  delegate_to: localhost
  run_once: true

- name: Import it on an air-gapped server (after copying the directory there)
  localllm.ollama.ollama_model_bundle:
    state: imported
    path: /var/cache/localllm-ollama/bundles/llama3.1-8b
    models_dir: /var/lib/ollama/models
    owner: ollama
    group: ollama
  register: imported
"""

RETURN = r"""
models:
  description: The models the module handled, in name order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The model name as C(/api/tags) lists it.
      type: str
      sample: llama3.1:8b
    digest:
      description: The manifest digest (C(/api/tags) shows the same hex without C(sha256:)).
      type: str
      sample: sha256:46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e
    size:
      description: Config and layer bytes, as C(/api/tags) sums them.
      type: int
      sample: 4920753328
    changed:
      description: Whether the module wrote anything for this model (always V(false) for V(verified)).
      type: bool
    blobs_copied:
      description: How many blobs were (in check mode, would be) copied.
      type: int
      returned: exported, imported
    bytes_copied:
      description: How many bytes were (in check mode, would be) copied.
      type: int
      returned: exported, imported
    before:
      description: The manifest digest the destination had for this name before, V(null) when it had none.
      type: str
      returned: exported, imported
path:
  description: The bundle directory.
  returned: always
  type: str
  sample: /var/cache/localllm-ollama/bundles/llama3.1-8b
"""

import grp
import pwd
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.localllm.ollama.plugins.module_utils._bundle import (
    BundleError,
    export_model,
    import_models,
    read_store,
    select,
    verify,
)


def _resolve(value, kind):
    """uid/gid of a name or number; None when not given."""
    if value in (None, ''):
        return None
    if str(value).isdigit():
        return int(value)
    try:
        return pwd.getpwnam(value).pw_uid if kind == 'owner' else grp.getgrnam(value).gr_gid
    except KeyError:
        raise BundleError('%s %r does not exist on this host; create the account first (the ollama role does) or '
                          'give a uid/gid' % (kind, value))


def _diff(results, where):
    before = ''.join('%s: %s\n' % (r['name'], r['before'] or 'absent') for r in results if r['changed'])
    after = ''.join('%s: %s\n' % (r['name'], r['digest']) for r in results if r['changed'])
    return {'before': before, 'after': after, 'before_header': where, 'after_header': where}


def run(module):
    params = module.params
    state = params['state']
    path = params['path']
    if state == 'verified':
        models = select(read_store(path), [params['name']] if params['name'] else None, path)
        verify(path, models, checksum=params['checksum'])
        return {'changed': False, 'models': [m.summary() for m in models], 'path': path}
    uid = _resolve(params['owner'], 'owner')
    gid = _resolve(params['group'], 'group')
    if state == 'imported':
        results = import_models(path, params['models_dir'], [params['name']] if params['name'] else None, uid, gid,
                                module.check_mode)
        where = params['models_dir']
    else:
        results = export_model(params['models_dir'], params['name'], path, uid, gid, module.check_mode)
        where = path
    changed = any(r['changed'] for r in results)
    result = {'changed': changed, 'models': results, 'path': path}
    if module._diff and changed:
        result['diff'] = _diff(results, where)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', required=True, choices=['exported', 'imported', 'verified']),
            path=dict(type='path', required=True),
            models_dir=dict(type='path'),
            name=dict(type='str'),
            owner=dict(type='str'),
            group=dict(type='str'),
            checksum=dict(type='bool', default=True),
        ),
        required_if=[('state', 'exported', ('models_dir', 'name')), ('state', 'imported', ('models_dir',))],
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except BundleError as e:
        module.fail_json(msg=str(e), path=module.params['path'])
    except OSError as e:
        module.fail_json(msg='%s: %s' % (getattr(e, 'filename', None) or module.params['path'], e.strerror or e),
                         path=module.params['path'])
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
