#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_verify
short_description: Check that an Ollama server (or the gateway in front of it) works, and say how to connect to it
version_added: 0.1.0
author: localllm maintainers (@localllm)
description:
  - Runs a list of checks against an Ollama API endpoint and reports each one with its result, duration and detail.
  - Runs every check, then fails once, listing every check that failed.
  - Waits up to O(wait_timeout) seconds for a server that is still starting (connection refused, HTTP 502/503/504).
  - Returns RV(connection), the values to paste into Dify, OpenHands or a C(.env) file.
  - Never changes anything on the server. The V(generate), V(chat), V(embed) and V(openai) checks load the model
    into memory, as any client would.
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
      - The checks only read, so they run in check mode too.
  diff_mode:
    support: none
  idempotent:
    description: Running the module again with the same options changes nothing.
    support: full
  platform:
    platforms: posix
options:
  checks:
    description:
      - The checks to run, in order. Each item is a dictionary with a O(checks[].type) and the options of that type.
      - V(reachable) - C(GET /) answers C(Ollama is running).
      - V(version) - C(/api/version) answers, and equals O(checks[].equals) or is at least O(checks[].at_least).
      - V(models) - every model in O(checks[].names) is installed (names normalised like upstream).
      - V(generate) - a streamed C(/api/generate) with O(checks[].model) returns at least O(checks[].min_tokens)
        tokens; reports time to first token and tokens per second.
      - V(chat) - the same through C(/api/chat).
      - V(embed) - C(/api/embed) returns a vector, of O(checks[].dimension) values when given.
      - V(openai) - C(GET /v1/models) answers (and lists O(checks[].model) when given); with O(checks[].model) a
        streamed C(/v1/chat/completions) returns text.
      - V(cors) - a request with an C(Origin) header is V(allowed) (an C(Access-Control-Allow-Origin) header comes
        back) or V(refused) (HTTP 403), as O(checks[].expect) says.
      - V(auth) - a request B(without) credentials gets one of O(checks[].expect_status) (default 401), proving that
        the gateway demands authentication.
      - An option that does not belong to the item's type fails the task before any request is sent.
    type: list
    elements: dict
    default: [{type: reachable}, {type: version}]
    suboptions:
      type:
        description: What to check.
        type: str
        required: true
        choices: [reachable, version, models, generate, chat, embed, openai, cors, auth]
      name:
        description: Label for the report. Defaults to the type and its main argument, for example C(generate llama3.2).
        type: str
      equals:
        description:
          - V(version) - the exact version expected, for example V(0.32.15).
          - Without O(checks[].equals) and O(checks[].at_least) the V(version) check only reads the version.
        type: str
      at_least:
        description: V(version) - the lowest acceptable version.
        type: str
      names:
        description: V(models) - models that must be installed.
        type: list
        elements: str
      model:
        description:
          - V(generate), V(chat), V(embed) - the model to use (required).
          - V(openai) - a model that C(/v1/models) must list and that a chat completion is run with (optional).
        type: str
      prompt:
        description: V(generate), V(chat), V(openai) - the prompt to send.
        type: str
      min_tokens:
        description: V(generate), V(chat) - the fewest tokens the answer must have. Defaults to 1.
        type: int
      max_tokens:
        description: V(generate), V(chat), V(openai) - cap on the tokens generated, to keep the check short. Defaults to 32.
        type: int
      min_tokens_per_second:
        description: V(generate), V(chat) - the lowest acceptable generation speed.
        type: float
      max_time_to_first_token:
        description: V(generate), V(chat), V(openai) - the longest acceptable wait in seconds for the first token.
        type: float
      input:
        description: V(embed) - the text to embed. Defaults to C(hello).
        type: str
      dimension:
        description: V(embed) - the expected vector length.
        type: int
      origin:
        description: V(cors) - the Origin header to send, for example V(https://chat.example.com).
        type: str
      expect:
        description: V(cors) - whether the origin should be V(allowed) or V(refused). Defaults to V(allowed).
        type: str
        choices: [allowed, refused]
      expect_status:
        description: V(auth) - HTTP statuses that count as "refused without credentials". Defaults to C([401]).
        type: list
        elements: int
      path:
        description:
          - V(cors) - the path to request, default C(/api/version).
          - V(auth) - the path to request without credentials, default C(/api/tags).
        type: str
      timeout:
        description: V(generate), V(chat), V(embed), V(openai) - socket timeout for this check, for slow model loads.
        type: int
  wait_timeout:
    description:
      - Seconds to wait for the API to answer before running the checks, retrying while the connection is refused
        or the answer is HTTP 502, 503 or 504 (a server or gateway that is still starting). V(0) does not wait.
    type: int
    default: 60
seealso:
  - module: localllm.ollama.ollama_info
  - module: localllm.ollama.ollama_model
"""

EXAMPLES = r"""
- name: Wait for the freshly installed server and check its version
  localllm.ollama.ollama_verify:
    wait_timeout: 120
    checks:
      - type: reachable
      - type: version
        at_least: 0.13.5

- name: Smoke-test the whole stack through the gateway, from the controller
  localllm.ollama.ollama_verify:
    url: https://gw.example.com
    url_username: admin
    url_password: "{{ vault_gateway_password }}"
    ca_path: files/internal-ca.pem
    checks:
      - type: models
        names: [llama3.2:3b, nomic-embed-text]
      - type: generate
        model: llama3.2:3b
        min_tokens: 5
      - type: chat
        model: llama3.2:3b
      - type: embed
        model: nomic-embed-text
        dimension: 768
      - type: openai
        model: llama3.2:3b
      - type: cors
        origin: https://chat.example.com
        expect: allowed
      - type: cors
        origin: https://evil.example
        expect: refused
      - type: auth
        expect_status: [401]
  delegate_to: localhost
  register: verify

- name: Tell the operator what to paste into Dify or OpenHands
  ansible.builtin.debug:
    msg: "OLLAMA_BASE_URL={{ verify.connection.OLLAMA_BASE_URL }} OPENAI_API_BASE={{ verify.connection.OPENAI_API_BASE }}"
"""

RETURN = r"""
checks:
  description: One entry per check, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Label of the check.
      type: str
      sample: generate llama3.2:3b
    type:
      description: Type of the check.
      type: str
      sample: generate
    passed:
      description: Whether the check passed.
      type: bool
      sample: true
    duration:
      description: Seconds the check took.
      type: float
      sample: 1.92
    detail:
      description: What was seen, in words.
      type: str
      sample: 24 tokens, first token after 0.41s, 38.2 tokens/s
    data:
      description: Measurements of the check (version, tokens, tokens_per_second, time_to_first_token, dimension,
        status, headers seen).
      type: dict
      sample: {"eval_count": 24, "tokens_per_second": 38.2, "time_to_first_token": 0.41}
  sample: [{"name": "reachable", "type": "reachable", "passed": true, "duration": 0.004, "detail": "Ollama is running",
            "data": {}}]
failed_checks:
  description: Names of the checks that failed.
  returned: always
  type: list
  elements: str
  sample: []
version:
  description: Server version, when a check or the wait read it.
  returned: when known
  type: str
  sample: 0.32.15
waited:
  description: Seconds spent waiting for the server to answer.
  returned: always
  type: float
  sample: 0.0
connection:
  description:
    - Settings for clients such as Dify, OpenHands or a C(.env) file. Holds no secret, only the kind of
      authentication and the header to send.
  returned: always
  type: dict
  contains:
    OLLAMA_BASE_URL:
      description: Base URL of the Ollama API.
      type: str
      sample: https://gw.example.com
    OLLAMA_HOST:
      description: The same, for the Ollama CLI and Python client.
      type: str
      sample: https://gw.example.com
    OPENAI_API_BASE:
      description: Base URL of the OpenAI-compatible API.
      type: str
      sample: https://gw.example.com/v1
    OPENAI_BASE_URL:
      description: The same, under the name newer OpenAI SDKs read.
      type: str
      sample: https://gw.example.com/v1
    auth:
      description: Kind of authentication used, V(none), V(basic) or V(bearer).
      type: str
      sample: bearer
    auth_header:
      description: The header a client must send, with the secret replaced by a placeholder; null without auth.
      type: str
      sample: "Authorization: Bearer <api_key>"
  sample: {"OLLAMA_BASE_URL": "http://127.0.0.1:11434", "OLLAMA_HOST": "http://127.0.0.1:11434",
           "OPENAI_API_BASE": "http://127.0.0.1:11434/v1", "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
           "auth": "none", "auth_header": null}
"""

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
from ansible_collections.localllm.ollama.plugins.module_utils._grammar import model_key, parse_model_name, version_key

# Options each check type accepts besides type and name.
ALLOWED = {
    'reachable': (),
    'version': ('equals', 'at_least'),
    'models': ('names',),
    'generate': ('model', 'prompt', 'min_tokens', 'max_tokens', 'min_tokens_per_second', 'max_time_to_first_token',
                 'timeout'),
    'chat': ('model', 'prompt', 'min_tokens', 'max_tokens', 'min_tokens_per_second', 'max_time_to_first_token',
             'timeout'),
    'embed': ('model', 'input', 'dimension', 'timeout'),
    'openai': ('model', 'prompt', 'max_tokens', 'max_time_to_first_token', 'timeout'),
    'cors': ('origin', 'expect', 'path'),
    'auth': ('expect_status', 'path'),
}
OPTION_NAMES = sorted(set(o for opts in ALLOWED.values() for o in opts))
DEFAULT_PROMPT = 'Reply with one short sentence: is the server working?'
RETRY_INTERVAL = 2.0


class CheckFailed(Exception):
    """A check saw something other than what it expected."""

    def __init__(self, detail, data=None):
        super().__init__(detail)
        self.detail = detail
        self.data = data or {}


def validate_checks(checks):
    """Errors in the check list (an option that does not belong to the type, a model name that is invalid)."""
    errors = []
    for index, check in enumerate(checks):
        ctype = check['type']
        wrong = [k for k in OPTION_NAMES if check.get(k) is not None and k not in ALLOWED[ctype]]
        if wrong:
            errors.append('checks[%d] (type %s) does not take %s; it takes %s' % (
                index, ctype, ', '.join(wrong), ', '.join(ALLOWED[ctype]) or 'no options'))
        for name in ([check['model']] if check.get('model') else []) + list(check.get('names') or []):
            try:
                parse_model_name(name)
            except ValueError as e:
                errors.append('checks[%d]: %s' % (index, e))
        for key in ('equals', 'at_least'):
            if check.get(key) is not None:
                try:
                    version_key(check[key])
                except ValueError:
                    errors.append('checks[%d]: %s %r is not a version like 0.32.15' % (index, key, check[key]))
        if ctype == 'cors' and check.get('origin') and '://' not in check['origin'] and check['origin'] != 'null':
            errors.append('checks[%d]: origin %r must look like https://host[:port]' % (index, check['origin']))
    return errors


def check_label(check):
    if check.get('name'):
        return check['name']
    ctype = check['type']
    if check.get('model'):
        return '%s %s' % (ctype, check['model'])
    if ctype == 'cors':
        return 'cors %s %s' % (check['origin'], check.get('expect') or 'allowed')
    if ctype == 'models':
        return 'models %s' % ', '.join(check['names'])
    return ctype


class Verifier(object):
    def __init__(self, client, clock=None, sleep=None):
        self.client = client
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.version = None

    def wait(self, timeout):
        """Poll /api/version until it answers or the deadline passes. Returns the seconds waited."""
        start = self.clock()
        deadline = start + max(timeout, 0)
        while True:
            try:
                self.version = self.client.version()
                return round(self.clock() - start, 3)
            except OllamaApiError as e:
                # a server that is still starting; never a certificate that does not verify
                waiting_helps = (e.connection_error and e.retriable) or e.status in (502, 503, 504)
                remaining = deadline - self.clock()
                if not waiting_helps or remaining <= 0:
                    return round(self.clock() - start, 3)
                self.sleep(min(RETRY_INTERVAL, remaining))

    # -- checks ------------------------------------------------------------------------------------------------
    def check_reachable(self, check):
        text = self.client.root()
        if 'Ollama is running' not in text:
            raise CheckFailed('GET / answered %r instead of "Ollama is running" (is url pointing at Ollama?)'
                              % text[:100])
        return 'Ollama is running', {}

    def check_version(self, check):
        version = self.client.version()
        self.version = version
        data = {'version': version}
        try:
            have = version_key(version)
        except ValueError:
            raise CheckFailed('server reports an unparsable version %r' % version, data)
        if check.get('equals') is not None and have != version_key(check['equals']):
            raise CheckFailed('version is %s, expected %s' % (version, check['equals']), data)
        if check.get('at_least') is not None and have < version_key(check['at_least']):
            raise CheckFailed('version is %s, older than the required %s' % (version, check['at_least']), data)
        return 'version %s' % version, data

    def check_models(self, check):
        installed = [m.get('name') or m.get('model') for m in self.client.tags()]
        keys = set(model_key(n) for n in installed)
        missing = [n for n in check['names'] if model_key(n) not in keys]
        data = {'installed': installed, 'missing': missing}
        if missing:
            raise CheckFailed('missing: %s (installed: %s)' % (', '.join(missing), ', '.join(installed) or 'none'),
                              data)
        return 'all %d present' % len(check['names']), data

    def _inference(self, check, res):
        data = dict((k, res.get(k)) for k in ('eval_count', 'tokens_per_second', 'time_to_first_token', 'duration',
                                              'done_reason'))
        data['response'] = (res.get('text') or '')[:200]
        tokens = res.get('eval_count') or 0
        detail = '%d tokens, first token after %ss, %s tokens/s' % (
            tokens, res.get('time_to_first_token'), res.get('tokens_per_second'))
        min_tokens = check.get('min_tokens') if check.get('min_tokens') is not None else 1
        problems = []
        if tokens < min_tokens:
            problems.append('only %d tokens, expected at least %d' % (tokens, min_tokens))
        if not res.get('text'):
            problems.append('empty answer')
        tps = res.get('tokens_per_second')
        if check.get('min_tokens_per_second') is not None and (tps is None or tps < check['min_tokens_per_second']):
            problems.append('%s tokens/s, expected at least %s' % (tps, check['min_tokens_per_second']))
        ttft = res.get('time_to_first_token')
        if check.get('max_time_to_first_token') is not None and (
                ttft is None or ttft > check['max_time_to_first_token']):
            problems.append('first token after %ss, expected at most %ss' % (ttft, check['max_time_to_first_token']))
        if problems:
            raise CheckFailed('%s (%s)' % ('; '.join(problems), detail), data)
        return detail, data

    def _options(self, check):
        return {'num_predict': check.get('max_tokens') or 32}

    def check_generate(self, check):
        res = self.client.generate(check['model'], check.get('prompt') or DEFAULT_PROMPT,
                                   options=self._options(check), timeout=check.get('timeout'))
        return self._inference(check, res)

    def check_chat(self, check):
        res = self.client.chat(check['model'], [{'role': 'user', 'content': check.get('prompt') or DEFAULT_PROMPT}],
                               options=self._options(check), timeout=check.get('timeout'))
        return self._inference(check, res)

    def check_embed(self, check):
        data = self.client.embed(check['model'], check.get('input') or 'hello', timeout=check.get('timeout'))
        vectors = data.get('embeddings') or []
        dim = len(vectors[0]) if vectors and isinstance(vectors[0], list) else 0
        info = {'dimension': dim}
        if not dim:
            raise CheckFailed('no embedding vector in the answer', info)
        if check.get('dimension') is not None and dim != check['dimension']:
            raise CheckFailed('vector has %d values, expected %d' % (dim, check['dimension']), info)
        return 'vector of %d values' % dim, info

    def check_openai(self, check):
        ids = self.client.openai_models()
        data = {'models': ids}
        if not check.get('model'):
            return '/v1/models lists %d model(s)' % len(ids), data
        if model_key(check['model']) not in set(model_key(i) for i in ids):
            raise CheckFailed('/v1/models does not list %s (it lists: %s)' % (check['model'], ', '.join(ids) or 'none'),
                              data)
        res = self.client.openai_chat(check['model'],
                                      [{'role': 'user', 'content': check.get('prompt') or DEFAULT_PROMPT}],
                                      max_tokens=check.get('max_tokens') or 32, timeout=check.get('timeout'))
        data.update((k, res.get(k)) for k in ('chunks', 'time_to_first_token', 'duration', 'finish_reason'))
        data['response'] = (res.get('text') or '')[:200]
        if not res.get('text'):
            raise CheckFailed('/v1/chat/completions streamed no text (%d chunks)' % res.get('chunks', 0), data)
        ttft = res.get('time_to_first_token')
        if check.get('max_time_to_first_token') is not None and (
                ttft is None or ttft > check['max_time_to_first_token']):
            raise CheckFailed('first token after %ss, expected at most %ss' % (ttft, check['max_time_to_first_token']),
                              data)
        return '/v1/models lists %s; /v1/chat/completions streamed %d chunks, first token after %ss' % (
            check['model'], res.get('chunks', 0), ttft), data

    def check_cors(self, check):
        path = check.get('path') or '/api/version'
        origin = check['origin']
        expect = check.get('expect') or 'allowed'
        res = self.client.raw('GET', path, headers={'Origin': origin})
        acao = res['headers'].get('access-control-allow-origin')
        data = {'status': res['status'], 'access_control_allow_origin': acao}
        allowed = res['status'] is not None and res['status'] < 400 and acao in (origin, '*')
        refused = res['status'] == 403
        seen = 'HTTP %s, Access-Control-Allow-Origin: %s' % (res['status'], acao)
        if expect == 'allowed' and not allowed:
            raise CheckFailed('origin %s is not allowed (%s); add it to OLLAMA_ORIGINS' % (origin, seen), data)
        if expect == 'refused' and not refused:
            raise CheckFailed('origin %s was not refused (%s, expected HTTP 403)' % (origin, seen), data)
        return 'origin %s %s (%s)' % (origin, expect, seen), data

    def check_auth(self, check):
        path = check.get('path') or '/api/tags'
        expected = check.get('expect_status') or [401]
        res = self.client.raw('GET', path, auth=False)
        data = {'status': res['status'], 'www_authenticate': res['headers'].get('www-authenticate')}
        if res['status'] not in expected:
            raise CheckFailed('GET %s without credentials answered HTTP %s, expected %s%s' % (
                path, res['status'], ' or '.join(str(s) for s in expected),
                ' (the endpoint is open to anyone who can reach it)' if res['status'] == 200 else ''), data)
        return 'GET %s without credentials answered HTTP %s' % (path, res['status']), data

    def run_check(self, check):
        start = self.clock()
        entry = {'name': check_label(check), 'type': check['type']}
        try:
            detail, data = getattr(self, 'check_%s' % check['type'])(check)
            entry.update(passed=True, detail=detail, data=data)
        except CheckFailed as e:
            entry.update(passed=False, detail=e.detail, data=e.data)
        except OllamaApiError as e:
            entry.update(passed=False, detail=str(e), data={'status': e.status})
        entry['duration'] = round(self.clock() - start, 3)
        return entry


def main():
    argument_spec = ollama_argument_spec()
    argument_spec.update(
        checks=dict(type='list', elements='dict', default=[{'type': 'reachable'}, {'type': 'version'}], options=dict(
            type=dict(type='str', required=True, choices=sorted(ALLOWED)),
            name=dict(type='str'),
            equals=dict(type='str'),
            at_least=dict(type='str'),
            names=dict(type='list', elements='str'),
            model=dict(type='str'),
            prompt=dict(type='str'),
            min_tokens=dict(type='int', no_log=False),
            max_tokens=dict(type='int', no_log=False),
            min_tokens_per_second=dict(type='float', no_log=False),
            max_time_to_first_token=dict(type='float', no_log=False),
            input=dict(type='str'),
            dimension=dict(type='int'),
            origin=dict(type='str'),
            expect=dict(type='str', choices=['allowed', 'refused']),
            expect_status=dict(type='list', elements='int'),
            path=dict(type='str'),
            timeout=dict(type='int'),
        ), required_if=[
            ('type', 'models', ('names',)),
            ('type', 'generate', ('model',)),
            ('type', 'chat', ('model',)),
            ('type', 'embed', ('model',)),
            ('type', 'cors', ('origin',)),
        ], mutually_exclusive=[('equals', 'at_least')]),
        wait_timeout=dict(type='int', default=60),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE,
        required_together=CONNECTION_REQUIRED_TOGETHER,
        required_by=CONNECTION_REQUIRED_BY,
    )
    protect_url_credentials(module)
    checks = module.params['checks']
    if not checks:
        module.fail_json(msg='checks is empty; list at least one check, for example [{type: reachable}]')
    errors = validate_checks(checks)
    if errors:
        module.fail_json(msg='invalid checks: ' + '; '.join(errors))
    try:
        client = OllamaClient.from_params(module.params)
    except ValueError as e:
        module.fail_json(msg=str(e))
    try:
        verifier = Verifier(client)
        waited = verifier.wait(module.params['wait_timeout'])
        results = [verifier.run_check(c) for c in checks]
    except Exception as e:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % e, exception=traceback.format_exc())
    failed = [r for r in results if not r['passed']]
    out = dict(changed=False, checks=results, failed_checks=[r['name'] for r in failed], waited=waited,
               connection=client.connection_info())
    if verifier.version:
        out['version'] = verifier.version
    if failed:
        module.fail_json(msg='%d of %d checks failed: %s' % (
            len(failed), len(results), '; '.join('[%s] %s' % (r['name'], r['detail']) for r in failed)), **out)
    out['msg'] = 'all %d checks passed against %s' % (len(results), client.base_url)
    module.exit_json(**out)


if __name__ == '__main__':
    main()
