#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_model
short_description: Pull, create and remove models on an Ollama server
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - Manages the models of an Ollama server through its HTTP API, so it works on the Ollama host, from the controller,
    or through an authenticating TLS gateway.
  - O(state=present) pulls a model only when it is missing (one C(GET /api/tags)); O(state=latest) pulls again and
    reports a change only when the digest changed; O(state=absent) deletes it.
  - With O(from) it builds a custom model through C(/api/create) (base model plus system prompt, template,
    parameters, messages, license) and rebuilds it only when C(/api/show) differs from what was asked for.
  - With O(sync) it removes every installed model that is not listed.
  - With O(source) it pulls another name (a site mirror's C(host:port/namespace/model:tag)), presents it as O(name)
    with C(/api/copy) and deletes O(source) again, so clients only ever see O(name).
  - With O(push) it copies O(name) to a registry model name and pushes it there with C(/api/push), unless the
    registry already has a manifest with the same digest (nothing is sent then).
  - A streamed pull counts as successful only when its last line is C({"status":"success"}); an error the registry
    reports inside the stream (HTTP 200) fails the task with the registry's message, and a stream that stops early
    is retried with backoff within the O(pull_timeout) budget.
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
    details:
      - With O(state=latest) and a model that is already present, check mode cannot know whether the registry has a
        newer digest without pulling; it reports no change.
  diff_mode:
    support: full
  idempotent:
    description: Running the module again with the same options changes nothing.
    support: full
  platform:
    platforms: posix
options:
  name:
    description:
      - Model name, for example V(llama3.2), V(llama3.2:3b), V(user/model:tag) or V(registry.example:5000/ns/model:tag).
      - Normalised like Ollama does it (V(:latest) added when there is no tag, V(registry.ollama.ai/library/)
        dropped) and compared case-insensitively. An invalid name fails before any request is sent.
      - Mutually exclusive with O(sync); one of the two is required.
    type: str
    aliases: [model]
  state:
    description:
      - V(present) pulls (or creates) the model when it is missing.
      - V(latest) pulls it again and reports a change only when the digest changed. With O(from), the base model is
        pulled again and the custom model is rebuilt when the base changed.
      - V(absent) deletes the model; a model that is already gone is not a change.
    type: str
    choices: [present, absent, latest]
    default: present
  insecure:
    description:
      - Allow pulling from a registry over plain HTTP (or with an unverified certificate), for private registries
        named like V(host:port/namespace/model:tag).
      - Applies to the pull of O(source) and to O(push) too.
    type: bool
    default: false
  pull_timeout:
    description:
      - Overall time budget in seconds for a pull, retries and backoff included.
      - The per-read stall limit is O(timeout).
    type: int
    default: 3600
  retries:
    description:
      - How many times a pull that stalls, drops its connection, ends early or meets HTTP 429/502/503/504 is retried.
      - Errors the registry reports (an unknown model, access denied) are not retried.
    type: int
    default: 3
  retry_delay:
    description:
      - Seconds to wait before the first retry; the delay doubles with each retry, up to 60 seconds.
    type: float
    default: 5
  from:
    description:
      - Base model for a custom model built with C(/api/create). Turns O(name) into a custom model.
      - When the base is missing it is pulled first (honouring O(insecure) and O(retries)).
      - Required by O(system), O(template), O(parameters), O(messages) and O(license).
    type: str
  system:
    description:
      - System prompt of the custom model.
    type: str
  template:
    description:
      - Prompt template of the custom model (Go template syntax).
    type: str
  parameters:
    description:
      - Model parameters of the custom model, for example C(temperature), C(top_p), C(num_ctx), C(stop).
      - Only the keys given here are compared with the existing model; others are inherited from O(from).
    type: dict
  messages:
    description:
      - Example conversation stored in the custom model.
    type: list
    elements: dict
    suboptions:
      role:
        description: Author of the message.
        type: str
        required: true
        choices: [system, user, assistant, tool]
      content:
        description: Text of the message.
        type: str
        required: true
  license:
    description:
      - License text of the custom model, a string or a list of strings.
    type: raw
  source:
    description:
      - Pull this name instead of O(name) (for example V(mirror.example.internal:5000/library/llama3.1:8b), a site
        mirror's copy of V(llama3.1:8b)), then present it as O(name) (C(/api/copy)) and delete O(source) again
        (C(/api/delete)); the blobs stay, they belong to O(name) now.
      - O(state=present) changes nothing when O(name) is installed (whatever its origin). O(state=latest) pulls
        O(source) again and reports a change only when the digest of O(name) changed.
      - O(insecure) applies to the pull of O(source). Requires O(name); not with O(from), O(sync) or O(state=absent).
    type: str
  push:
    description:
      - After O(name) is in place (pulled, created or already there), push it to this registry model name,
        C(host[:port]/namespace/model:tag), for example V(127.0.0.1:5000/library/tinyllama:latest).
      - Skipped, with no change, when the registry already has C(namespace/model:tag) with the manifest digest
        O(name) has locally (one C(HEAD /v2/<namespace>/<model>/manifests/<tag>) with the Docker v2 C(Accept)
        header, from where the module runs). Otherwise O(name) is copied to that name, C(/api/push) sends the
        missing blobs and the manifest, the copy is deleted again, and the registry's digest is checked. A local
        model that already had the registry name is kept, and now holds what was pushed.
      - The registry is addressed over https, or over plain http (and without certificate checks) with
        O(insecure=true). The Ollama server authenticates to the registry itself; the registry must accept its
        pushes.
      - Not with O(sync) or O(state=absent).
    type: str
  sync:
    description:
      - List of model names to keep. Every installed model that is not in the list is removed.
      - Names are normalised like O(name). An empty list is refused, because it would remove every model.
      - Listed models that are not installed are reported in RV(missing) and not pulled; use O(name) for that.
      - Mutually exclusive with O(name) and the custom model options; requires O(state=present).
    type: list
    elements: str
notes:
  - A pull is always streamed; for long pulls in a playbook use C(async) with C(poll) so that the task is not
    bound to one SSH session.
seealso:
  - module: localllm.ollama.ollama_info
  - module: localllm.ollama.ollama_verify
"""

EXAMPLES = r"""
- name: Pull a model when it is missing
  localllm.ollama.ollama_model:
    name: llama3.2:3b

- name: Keep a model at the newest digest the registry has
  localllm.ollama.ollama_model:
    name: qwen2.5:0.5b
    state: latest
    pull_timeout: 7200
    retries: 5

- name: Pull from a private plain-HTTP registry through the TLS gateway
  localllm.ollama.ollama_model:
    url: https://gw.example.com/ollama
    url_username: admin
    url_password: "{{ vault_gateway_password }}"
    ca_path: /etc/ssl/certs/internal-ca.pem
    name: registry.internal:5000/library/tinyllama:latest
    insecure: true

- name: Build a custom assistant from a base model
  localllm.ollama.ollama_model:
    name: company-assistant
    from: llama3.2:3b
    system: You are the company's helpful assistant. Answer briefly.
    parameters:
      temperature: 0.3
      top_p: 0.9
      num_ctx: 8192
      stop: ["<|eot_id|>"]

- name: Pull llama3.1:8b from the site mirror, clients see it as llama3.1:8b
  localllm.ollama.ollama_model:
    name: llama3.1:8b
    source: mirror.example.internal:5000/library/llama3.1:8b
    insecure: true

- name: Seed a site mirror with a model this server has (skipped when the mirror has the same digest)
  localllm.ollama.ollama_model:
    name: llama3.1:8b
    push: mirror.example.internal:5000/library/llama3.1:8b
    insecure: true

- name: Remove a model
  localllm.ollama.ollama_model:
    name: llama2
    state: absent

- name: Remove every model that is not listed
  localllm.ollama.ollama_model:
    sync:
      - llama3.2:3b
      - company-assistant

- name: Set the connection once for the whole play
  hosts: ollama
  module_defaults:
    group/localllm.ollama.ollama:
      url: https://gw.example.com
      api_key: "{{ vault_gateway_token }}"
  tasks:
    - name: Pull the embedding model
      localllm.ollama.ollama_model:
        name: nomic-embed-text
"""

RETURN = r"""
name:
  description: The normalised model name, as C(/api/tags) lists it.
  returned: when O(name) is given
  type: str
  sample: llama3.2:latest
model:
  description: The model after the task; empty when it is absent (or would be, in check mode).
  returned: when O(name) is given
  type: dict
  contains:
    name:
      description: Name as listed by C(/api/tags).
      type: str
      sample: llama3.2:latest
    digest:
      description: Manifest digest (lower-case hex without C(sha256:)).
      type: str
      sample: a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72
    size:
      description: Size of all layers in bytes.
      type: int
      sample: 2019393189
  sample: {"name": "llama3.2:latest", "digest": "a80c4f17acd5...", "size": 2019393189}
bytes:
  description: Total size in bytes of the layers the pull reported.
  returned: when a pull ran
  type: int
  sample: 2019393189
duration:
  description: Seconds the pull took, retries included.
  returned: when a pull ran
  type: float
  sample: 41.7
attempts:
  description: Number of pull attempts.
  returned: when a pull ran
  type: int
  sample: 1
created:
  description: Whether the custom model was (or in check mode would be) created or rebuilt.
  returned: when O(from) is given
  type: bool
  sample: true
differences:
  description: The custom model settings that differed from the existing model.
  returned: when O(from) is given
  type: list
  elements: str
  sample: ["parameters.temperature", "system"]
source:
  description: The normalised O(source) name the model was (or would be) pulled as.
  returned: when O(source) is given
  type: str
  sample: mirror.example.internal:5000/library/llama3.1:8b
pushed:
  description: What O(push) did.
  returned: when O(push) is given
  type: dict
  contains:
    name:
      description: The normalised registry model name.
      type: str
      sample: mirror.example.internal:5000/library/llama3.1:8b
    digest:
      description: The manifest digest of O(name) (C(sha256:...)), the one the registry has after the push.
      type: str
      sample: sha256:a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72
    registry_digest:
      description: The digest the registry had for that name before (null when it had none).
      type: str
      sample: null
    changed:
      description: Whether a push ran (or would run, in check mode).
      type: bool
      sample: true
  sample: {"name": "127.0.0.1:5000/library/tinyllama:latest", "digest": "sha256:a80c4f17acd5...",
           "registry_digest": null, "changed": true}
removed:
  description: Models that O(sync) removed (or would remove, in check mode).
  returned: when O(sync) is given
  type: list
  elements: str
  sample: ["llama2:latest"]
kept:
  description: Installed models that O(sync) kept.
  returned: when O(sync) is given
  type: list
  elements: str
  sample: ["llama3.2:3b"]
missing:
  description: Models listed in O(sync) that are not installed.
  returned: when O(sync) is given
  type: list
  elements: str
  sample: []
msg:
  description: What the module did.
  returned: always
  type: str
  sample: pulled llama3.2:latest (2019393189 bytes in 41.7s)
diff:
  description: Before and after state, when run with C(--diff).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"name": "llama3.2:latest", "state": "absent"}, "after": {"name": "llama3.2:latest", "state": "present"}}
"""

import json
import time
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
from ansible_collections.localllm.ollama.plugins.module_utils._grammar import has_registry_host, model_key, parse_model_name
from ansible_collections.localllm.ollama.plugins.module_utils._registry import RegistryClient, RegistryError

CUSTOM_OPTIONS = ('from', 'system', 'template', 'parameters', 'messages', 'license')
MAX_RETRY_DELAY = 60
PATH_PUSH = '/api/push'


# ---------------------------------------------------------------------------------------------------------------
# Comparing a custom model with /api/show
# ---------------------------------------------------------------------------------------------------------------

def parse_show_parameters(text):
    """Turn /api/show's "parameters" text (key padded, value in Go %#v form, one line per value) into a dict.
    A key that appears more than once (stop) becomes a list."""
    result = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        parts = line.split(None, 1)
        key = parts[0]
        raw = parts[1].strip() if len(parts) > 1 else ''
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if key in result:
            if not isinstance(result[key], list):
                result[key] = [result[key]]
            result[key].append(value)
        else:
            result[key] = value
    return result


def _scalar(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.lower() in ('true', 'false'):
        return text.lower()
    try:
        return float(text)
    except ValueError:
        return str(value)


def normalize_parameter(value):
    """Comparable form of a parameter value: a list of scalars (numbers as floats, booleans as "true"/"false")."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return [_scalar(v) for v in values]


def _license_text(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return '\n'.join(str(v) for v in value)
    return str(value)


def _from_line(show):
    """The FROM line of /api/show's modelfile (it names the model weights blob), or None."""
    for line in (show or {}).get('modelfile', '').splitlines():
        if line.upper().startswith('FROM '):
            return line[5:].strip()
    return None


def current_settings(show, params):
    """The settings of an existing custom model, limited to what the task asks for (the diff's "before")."""
    current = {}
    if params.get('system') is not None:
        current['system'] = show.get('system') or ''
    if params.get('template') is not None:
        current['template'] = show.get('template') or ''
    if params.get('license') is not None:
        current['license'] = _license_text(show.get('license')) or ''
    if params.get('messages') is not None:
        current['messages'] = [{'role': m.get('role'), 'content': m.get('content')}
                               for m in (show.get('messages') or [])]
    if params.get('parameters') is not None:
        existing = parse_show_parameters(show.get('parameters'))
        current['parameters'] = dict((k, existing.get(k)) for k in params['parameters'])
    return current


def desired_settings(params):
    desired = {}
    for key in ('system', 'template'):
        if params.get(key) is not None:
            desired[key] = params[key]
    if params.get('license') is not None:
        desired['license'] = _license_text(params['license'])
    if params.get('messages') is not None:
        desired['messages'] = [{'role': m['role'], 'content': m['content']} for m in params['messages']]
    if params.get('parameters') is not None:
        desired['parameters'] = dict(params['parameters'])
    return desired


def compare_settings(current, desired):
    """Names of the settings that differ."""
    diffs = []
    for key in ('system', 'template', 'license'):
        if key in desired and (current.get(key) or '').strip() != (desired[key] or '').strip():
            diffs.append(key)
    if 'messages' in desired and current.get('messages') != desired['messages']:
        diffs.append('messages')
    for pkey, pval in sorted((desired.get('parameters') or {}).items()):
        have = (current.get('parameters') or {}).get(pkey)
        if have is None or normalize_parameter(have) != normalize_parameter(pval):
            diffs.append('parameters.%s' % pkey)
    return diffs


def _model_summary(item):
    if not item:
        return {}
    return {'name': item.get('name') or item.get('model'), 'digest': item.get('digest'), 'size': item.get('size')}


# ---------------------------------------------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------------------------------------------

class ModelManager(object):
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.result = {'changed': False}

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def pull(self, name):
        """Pull with retries and exponential backoff inside the pull_timeout budget."""
        start = time.monotonic()
        deadline = start + self.params['pull_timeout']
        delay = max(float(self.params['retry_delay']), 0.0)
        attempt = 0
        errors = []
        while True:
            attempt += 1
            try:
                res = self.client.pull(name, insecure=self.params['insecure'], deadline=deadline)
            except OllamaApiError as e:
                errors.append(str(e))
                remaining = deadline - time.monotonic()
                if not e.retriable or attempt > self.params['retries'] or remaining <= delay:
                    if attempt > 1:
                        raise OllamaApiError(e.operation, e.url, status=e.status,
                                             message='%s (gave up after %d attempts; earlier: %s)'
                                             % (e.message, attempt, ' | '.join(errors[:-1])),
                                             connection_error=e.connection_error, partial=e.partial)
                    raise
                self.module.warn('pull of %s failed (attempt %d of %d), retrying in %.0fs: %s'
                                 % (name, attempt, self.params['retries'] + 1, delay, e))
                time.sleep(delay)
                delay = min(delay * 2 if delay else 1.0, MAX_RETRY_DELAY)
                continue
            res['attempts'] = attempt
            res['duration'] = round(time.monotonic() - start, 3)
            return res

    # -- sync --------------------------------------------------------------------------------------------------
    def sync(self):
        wanted = self.params['sync']
        if not wanted:
            self.fail('sync is an empty list, which would remove every model on the server; list the models to '
                      'keep, or remove models one by one with name and state: absent')
        if self.params['state'] != 'present':
            self.fail('sync only works with state: present (got state: %s)' % self.params['state'])
        keys = {}
        for raw in wanted:
            try:
                parsed = parse_model_name(raw)
            except ValueError as e:
                self.fail('sync: %s' % e)
            keys[parsed.key] = parsed.short
        models = self.client.tags()
        installed = [m.get('name') or m.get('model') for m in models]
        removed = [n for n in installed if model_key(n) not in keys]
        kept = [n for n in installed if model_key(n) in keys]
        installed_keys = set(model_key(n) for n in installed)
        missing = [short for key, short in keys.items() if key not in installed_keys]
        if not self.module.check_mode:
            for n in removed:
                self.client.delete(n)
        self.result.update(changed=bool(removed), removed=removed, kept=kept, missing=missing,
                           msg='removed %d model(s): %s' % (len(removed), ', '.join(removed)) if removed
                           else 'no model to remove')
        if self.module._diff:
            self.result['diff'] = {'before': {'models': sorted(installed)}, 'after': {'models': sorted(kept)}}

    # -- plain models ------------------------------------------------------------------------------------------
    def absent(self, name):
        before = self.client.find_model(name)
        self.result['model'] = {}
        if before is None:
            self.result['msg'] = '%s is not installed' % name
        else:
            deleted = True
            if not self.module.check_mode:
                deleted = self.client.delete(name)
            self.result['changed'] = deleted
            self.result['msg'] = 'deleted %s' % name if deleted else '%s was already gone' % name
        if self.module._diff:
            self.result['diff'] = {'before': self._state(name, before), 'after': {'name': name, 'state': 'absent'}}

    @staticmethod
    def _state(name, item):
        if item is None:
            return {'name': name, 'state': 'absent'}
        return {'name': name, 'state': 'present', 'digest': item.get('digest')}

    def present(self, name, latest, source=None):
        models = self.client.tags()
        before = self.client.find_model(name, models)
        after = before
        origin = ' from %s' % source if source else ''
        if before is not None and not latest:
            self.result['msg'] = '%s is already present' % name
        elif self.module.check_mode:
            if before is None:
                self.result.update(changed=True, msg='%s would be pulled%s' % (name, origin))
                after = {'name': name, 'digest': None, 'size': None}
            else:
                self.result['msg'] = ('check mode: %s is present; whether the registry has a newer digest cannot be '
                                      'known without pulling' % name)
        else:
            res = self.pull(source or name)
            if source:
                self.present_as(source, name)
            after = self.client.find_model(name)
            if after is None:
                self.fail('pull of %s reported success but /api/tags does not list it' % name)
            changed = before is None or before.get('digest') != after.get('digest')
            self.result.update(changed=changed, bytes=res['bytes'], duration=res['duration'],
                               attempts=res['attempts'])
            if before is None:
                self.result['msg'] = 'pulled %s%s (%d bytes in %.1fs)' % (name, origin, res['bytes'], res['duration'])
            elif changed:
                self.result['msg'] = 'updated %s from digest %s to %s' % (
                    name, (before.get('digest') or '')[:12], (after.get('digest') or '')[:12])
            else:
                self.result['msg'] = '%s is already the newest digest %s' % (name, (after.get('digest') or '')[:12])
            if source:
                self.result['msg'] += '; presented as %s and %s deleted' % (name, source)
        self.result['model'] = _model_summary(after)
        if self.module._diff:
            self.result['diff'] = {'before': self._state(name, before), 'after': self._state(name, after)}

    def present_as(self, source, name):
        """Make the freshly pulled ``source`` available as ``name`` only: /api/copy, then /api/delete ``source``
        (the blobs stay: the copy's manifest references them)."""
        self.client.copy(source, name)
        if self.client.find_model(name) is None:
            self.fail('copy of %s to %s reported success but /api/tags does not list %s' % (source, name, name))
        self.client.delete(source)

    # -- push --------------------------------------------------------------------------------------------------
    def push(self, name):
        raw = self.params['push']
        target = parse_model_name(raw)
        target_name = target.short
        insecure = self.params['insecure']
        local = self.client.find_model(name)
        report = {'name': target_name, 'digest': None, 'registry_digest': None, 'changed': False}
        self.result['pushed'] = report
        if local is None:
            if self.module.check_mode and self.result.get('changed'):
                report['changed'] = True
                self.result['msg'] += '; %s would be pushed to %s' % (name, target_name)
                return
            self.fail('push: %s is not installed on %s, so there is nothing to push' % (name, self.client.base_url))
        digest = 'sha256:' + (local.get('digest') or '')
        report['digest'] = digest
        scheme = target.scheme if raw.lower().startswith(('http://', 'https://')) else (
            'http' if insecure else 'https')
        repository = '%s/%s' % (target.namespace, target.model)
        try:
            registry = RegistryClient(self.module, '%s://%s' % (scheme, target.host),
                                      validate_certs=not insecure, timeout=self.params['timeout'])
            before = registry.manifest_digest(repository, target.tag)
        except RegistryError as e:
            self.fail('push: %s' % e, url=e.url, status=e.status)
        report['registry_digest'] = before
        if self.module._diff:
            diff = self.result.setdefault('diff', {'before': {'name': name}, 'after': {'name': name}})
            diff['before']['registry'] = {'name': target_name, 'digest': before}
            diff['after']['registry'] = {'name': target_name, 'digest': digest}
        if before == digest:
            self.result['msg'] = '%s; the registry already has %s with digest %s, nothing pushed' % (
                self.result.get('msg', ''), target_name, digest[7:19])
            return
        report['changed'] = True
        self.result['changed'] = True
        if self.module.check_mode:
            self.result['msg'] += '; %s would be pushed to %s' % (name, target_name)
            return
        start = time.monotonic()
        copied = False
        if model_key(target_name) != model_key(name):
            # /api/push pushes a local model by the name it has: give it the registry name for the push only
            copied = self.client.find_model(target_name) is None
            self.client.copy(name, target_name)
        try:
            push_stream(self.client, target_name, insecure, start + self.params['pull_timeout'])
        finally:
            if copied:
                self.client.delete(target_name)
        try:
            after = registry.manifest_digest(repository, target.tag)
        except RegistryError as e:
            self.fail('push of %s reported success, but reading it back failed: %s' % (target_name, e),
                      url=e.url, status=e.status)
        if after != digest:
            self.fail('push of %s reported success, but %s://%s has digest %s for %s:%s where %s has %s locally'
                      % (target_name, scheme, target.host, after, repository, target.tag, name, digest))
        self.result['msg'] += '; pushed %s to %s in %.1fs' % (name, target_name, time.monotonic() - start)

    # -- custom models -----------------------------------------------------------------------------------------
    def custom(self, name):
        params = self.params
        base = parse_model_name(params['from']).short
        models = self.client.tags()
        existing = self.client.find_model(name, models)
        base_item = self.client.find_model(base, models)
        pulled_base = False
        if base_item is None or params['state'] == 'latest':
            if self.module.check_mode:
                pulled_base = base_item is None
            else:
                res = self.pull(base)
                self.result.update(bytes=res['bytes'], duration=res['duration'], attempts=res['attempts'])
                new_item = self.client.find_model(base)
                pulled_base = base_item is None or (new_item or {}).get('digest') != base_item.get('digest')
                base_item = new_item

        desired = desired_settings(params)
        differences = []
        if existing is None:
            current = {}
            differences.append('model')
        else:
            show = self.client.show(name)
            current = current_settings(show, params)
            differences.extend(compare_settings(current, desired))
            parent = (show.get('details') or {}).get('parent_model')
            if parent:
                current['from'] = parent
                if model_key(parent) != model_key(base):
                    differences.append('from')
            elif base_item is not None:
                base_blob = _from_line(self.client.show(base))
                own_blob = _from_line(show)
                if base_blob and own_blob:
                    current['from_blob'] = own_blob
                    if base_blob != own_blob:
                        differences.append('from')
            if 'from' not in differences and pulled_base and params['state'] == 'latest':
                differences.append('from')
        desired_view = dict(desired, **{'from': base})
        if existing is not None and 'from' not in current:
            current['from'] = base if 'from' not in differences else 'another base (weights %s)' % (
                current.get('from_blob') or 'unknown')

        created = bool(differences)
        if created and not self.module.check_mode:
            payload = {'model': name, 'from': base}
            for key in ('system', 'template', 'parameters', 'messages', 'license'):
                if params.get(key) is not None:
                    payload[key] = params[key]
            self.client.create(payload, deadline=time.monotonic() + params['pull_timeout'])
            existing = self.client.find_model(name)
            if existing is None:
                self.fail('create of %s reported success but /api/tags does not list it' % name)
        if existing is None:
            model = {'name': name, 'digest': None, 'size': None}
        else:
            model = _model_summary(existing)
        self.result.update(changed=created or pulled_base, created=created, differences=differences, model=model)
        verb_create = 'would be created' if self.module.check_mode else 'created'
        verb_rebuild = 'would be rebuilt' if self.module.check_mode else 'rebuilt'
        if not created:
            self.result['msg'] = '%s is up to date' % name
        elif 'model' in differences:
            self.result['msg'] = '%s %s from %s' % (name, verb_create, base)
        else:
            self.result['msg'] = '%s %s (%s differed)' % (name, verb_rebuild, ', '.join(differences))
        if pulled_base:
            self.result['msg'] += '; base %s %s' % (base, 'would be pulled' if self.module.check_mode else 'pulled')
        if self.module._diff:
            if 'model' in differences:
                before = {'name': name, 'state': 'absent'}
            else:
                before = dict(current, name=name, state='present')
            self.result['diff'] = {'before': before, 'after': dict(desired_view, name=name, state='present')}

    def run(self):
        if self.params['sync'] is not None:
            self.sync()
            return self.result
        try:
            parsed = parse_model_name(self.params['name'])
        except ValueError as e:
            self.fail('%s. Names look like model, model:tag, namespace/model:tag or host:port/namespace/model:tag'
                      % e)
        if parsed.scheme == 'http' and not self.params['insecure']:
            self.fail('model name %r uses http://; set insecure: true to pull from a plain-HTTP registry'
                      % self.params['name'])
        name = parsed.short
        self.result['name'] = name
        if self.params['from'] is not None:
            try:
                parse_model_name(self.params['from'])
            except ValueError as e:
                self.fail('from: %s' % e)
            lic = self.params.get('license')
            if lic is not None and not isinstance(lic, str) and not (
                    isinstance(lic, list) and all(isinstance(x, str) for x in lic)):
                self.fail('license must be a string or a list of strings')
        source = self._checked_source(name)
        if self.params['push'] is not None:
            self._check_push()
        if self.params['state'] == 'absent':
            self.absent(name)
        elif self.params['from'] is not None:
            self.custom(name)
        else:
            self.present(name, latest=self.params['state'] == 'latest', source=source)
        if source is not None:
            self.result['source'] = source
        if self.params['push'] is not None:
            self.push(name)
        return self.result

    def _checked_source(self, name):
        """The normalised source name, or None; fails on a source that cannot work."""
        raw = self.params['source']
        if raw is None:
            return None
        if self.params['state'] == 'absent':
            self.fail('source is for state present or latest; state: absent deletes %s whatever its origin' % name)
        try:
            parsed = parse_model_name(raw)
        except ValueError as e:
            self.fail('source: %s. Names look like host:port/namespace/model:tag' % e)
        if parsed.scheme == 'http' and not self.params['insecure']:
            self.fail('source %r uses http://; set insecure: true to pull from a plain-HTTP registry' % raw)
        if parsed.key == model_key(name):
            self.fail('source %r and name %r are the same model; leave source out to pull %s itself'
                      % (raw, self.params['name'], name))
        return parsed.short

    def _check_push(self):
        raw = self.params['push']
        if self.params['state'] == 'absent':
            self.fail('push is for state present or latest, not absent')
        try:
            parse_model_name(raw)
        except ValueError as e:
            self.fail('push: %s' % e)
        if not has_registry_host(raw):
            self.fail('push %r names no registry host; give host[:port]/namespace/model:tag, for example '
                      '127.0.0.1:5000/library/tinyllama:latest' % raw)


def push_stream(client, name, insecure, deadline):
    """Streamed POST /api/push of the local model ``name``; the statuses it reported. Only a final
    {"status": "success"} is success; an error inside the stream raises OllamaApiError with the registry's
    message (and the Ollama URL)."""
    operation = 'push model %s' % name
    payload = {'model': name, 'stream': True}
    if insecure:
        payload['insecure'] = True
    resp = client._open(operation, 'POST', PATH_PUSH, payload)
    statuses = []
    for obj in client._stream(operation, resp, client.url_for(PATH_PUSH), deadline):
        status = obj.get('status', '')
        if not statuses or statuses[-1] != status:
            statuses.append(status)
    if not statuses or statuses[-1] != 'success':
        raise OllamaApiError(operation, client.url_for(PATH_PUSH), status=200, partial=True,
                             message='last status was %r, not "success"' % (statuses[-1] if statuses else None))
    return statuses[-20:]


def main():
    argument_spec = ollama_argument_spec()
    argument_spec.update({
        'name': dict(type='str', aliases=['model']),
        'state': dict(type='str', default='present', choices=['present', 'absent', 'latest']),
        'insecure': dict(type='bool', default=False),
        'pull_timeout': dict(type='int', default=3600),
        'retries': dict(type='int', default=3),
        'retry_delay': dict(type='float', default=5),
        'from': dict(type='str'),
        'system': dict(type='str'),
        'template': dict(type='str'),
        'parameters': dict(type='dict'),
        'messages': dict(type='list', elements='dict', options=dict(
            role=dict(type='str', required=True, choices=['system', 'user', 'assistant', 'tool']),
            content=dict(type='str', required=True),
        )),
        'license': dict(type='raw'),
        'sync': dict(type='list', elements='str'),
        'source': dict(type='str'),
        'push': dict(type='str'),
    })
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('name', 'sync'), ('sync', 'source'), ('sync', 'push'), ('from', 'source')]
        + [('sync', opt) for opt in CUSTOM_OPTIONS] + CONNECTION_MUTUALLY_EXCLUSIVE,
        required_one_of=[('name', 'sync')],
        required_together=CONNECTION_REQUIRED_TOGETHER,
        required_by=dict(CONNECTION_REQUIRED_BY, system='from', template='from', parameters='from',
                         messages='from', license='from'),
    )
    protect_url_credentials(module)
    try:
        client = OllamaClient.from_params(module.params)
    except ValueError as e:
        module.fail_json(msg=str(e))
    try:
        result = ModelManager(module, client).run()
    except OllamaApiError as e:
        module.fail_json(msg=str(e), status=e.status, url=e.url)
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
