# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import ssl
import types
import urllib.error
from unittest import mock

import pytest

from ansible_collections.localllm.ollama.plugins.modules import ollama_verify
from ollama_test_helpers import FakeResponse, http_error, ndjson, run_module, sse

REFUSED = urllib.error.URLError(ConnectionRefusedError(111, 'Connection refused'))
GEN_OK = ndjson({'response': 'Yes', 'done': False}, {'response': ' it is.', 'done': False},
                {'response': '', 'done': True, 'done_reason': 'stop', 'eval_count': 3, 'eval_duration': 100000000})
CHAT_OK = ndjson({'message': {'role': 'assistant', 'content': 'Yes'}, 'done': False},
                 {'message': {'role': 'assistant', 'content': ''}, 'done': True, 'eval_count': 1,
                  'eval_duration': 50000000})
OPENAI_OK = sse({'choices': [{'delta': {'role': 'assistant', 'content': 'Yes'}}]},
                {'choices': [{'delta': {}, 'finish_reason': 'stop'}]})


def run(args, **kw):
    return run_module(ollama_verify, args, **kw)


def full_server(router):
    router.add('GET', '/api/version', {'version': '0.32.15'})
    router.add('GET', '/', FakeResponse(b'Ollama is running'))
    router.add('GET', '/api/tags', {'models': [{'name': 'llama3.2:latest'}, {'name': 'nomic-embed-text:latest'}]})
    router.add('POST', '/api/generate', FakeResponse(GEN_OK))
    router.add('POST', '/api/chat', FakeResponse(CHAT_OK))
    router.add('POST', '/api/embed', {'embeddings': [[0.1] * 768]})
    router.add('GET', '/v1/models', {'data': [{'id': 'llama3.2:latest'}]})
    router.add('POST', '/v1/chat/completions', FakeResponse(OPENAI_OK))


ALL_CHECKS = [
    {'type': 'reachable'},
    {'type': 'version', 'at_least': '0.13.5'},
    {'type': 'version', 'equals': '0.32.15', 'name': 'pinned'},
    {'type': 'models', 'names': ['llama3.2', 'nomic-embed-text']},
    {'type': 'generate', 'model': 'llama3.2', 'min_tokens': 3, 'min_tokens_per_second': 10},
    {'type': 'chat', 'model': 'llama3.2', 'max_time_to_first_token': 60},
    {'type': 'embed', 'model': 'nomic-embed-text', 'dimension': 768},
    {'type': 'openai'},
    {'type': 'openai', 'model': 'llama3.2', 'max_time_to_first_token': 60},
]


def test_all_checks_pass(open_url, router):
    full_server(router)
    failed, res = run({'checks': ALL_CHECKS, 'api_key': 'sekrit'}, check_mode=True)
    assert not failed, res
    assert res['changed'] is False and res['failed_checks'] == []
    assert [c['name'] for c in res['checks']] == [
        'reachable', 'version', 'pinned', 'models llama3.2, nomic-embed-text', 'generate llama3.2', 'chat llama3.2',
        'embed nomic-embed-text', 'openai', 'openai llama3.2']
    assert all(c['passed'] and c['duration'] >= 0 for c in res['checks'])
    gen = res['checks'][4]
    assert gen['data']['eval_count'] == 3 and gen['data']['tokens_per_second'] == 30.0
    assert gen['detail'].startswith('3 tokens, first token after')
    assert res['checks'][6]['detail'] == 'vector of 768 values'
    assert res['version'] == '0.32.15' and res['waited'] >= 0
    assert res['connection'] == {
        'OLLAMA_BASE_URL': 'http://127.0.0.1:11434', 'OLLAMA_HOST': 'http://127.0.0.1:11434',
        'OPENAI_API_BASE': 'http://127.0.0.1:11434/v1', 'OPENAI_BASE_URL': 'http://127.0.0.1:11434/v1',
        'auth': 'bearer', 'auth_header': 'Authorization: Bearer <api_key>'}
    assert 'sekrit' not in repr(res)
    gen_call = [c for c in router.calls if c['path'] == '/api/generate'][0]
    assert gen_call['body']['options'] == {'num_predict': 32}
    assert res['msg'] == 'all 9 checks passed against http://127.0.0.1:11434'


def test_default_checks(open_url, router):
    full_server(router)
    failed, res = run({})
    assert not failed and [c['type'] for c in res['checks']] == ['reachable', 'version']


def test_failures_are_reported_once_with_every_failed_check(open_url, router):
    router.add('GET', '/api/version', {'version': '0.13.5'})
    router.add('GET', '/', FakeResponse(b'<html>nginx</html>'))
    router.add('GET', '/api/tags', {'models': [{'name': 'llama3.2:latest'}]})
    router.add('POST', '/api/generate', http_error(404, {'error': "model 'qwen:latest' not found"}))
    router.add('POST', '/api/chat', FakeResponse(CHAT_OK))
    router.add('POST', '/api/embed', {'embeddings': [[0.1] * 384]}, {'embeddings': []})
    router.add('GET', '/v1/models', {'data': None})
    checks = [
        {'type': 'reachable'},
        {'type': 'version', 'at_least': '0.14.0'},
        {'type': 'version', 'equals': '0.32.15'},
        {'type': 'models', 'names': ['llama3.2', 'missing-one']},
        {'type': 'generate', 'model': 'qwen'},
        {'type': 'chat', 'model': 'llama3.2', 'min_tokens': 5, 'min_tokens_per_second': 100,
         'max_time_to_first_token': -1},
        {'type': 'embed', 'model': 'e', 'dimension': 768},
        {'type': 'embed', 'model': 'e'},
        {'type': 'openai', 'model': 'llama3.2'},
    ]
    failed, res = run({'checks': checks})
    assert failed
    assert res['changed'] is False
    assert len(res['failed_checks']) == 9
    msg = res['msg']
    assert msg.startswith('9 of 9 checks failed: [reachable] GET / answered')
    for words in ('older than the required 0.14.0', 'expected 0.32.15', 'missing: missing-one',
                  "HTTP 404 not found: model 'qwen:latest' not found", 'only 1 tokens, expected at least 5',
                  'tokens/s, expected at least 100', 'expected at most -1', 'vector has 384 values, expected 768',
                  'no embedding vector', '/v1/models does not list llama3.2 (it lists: none)'):
        assert words in msg, words
    assert 'connection' in res and res['checks'][1]['data'] == {'version': '0.13.5'}


def test_generate_empty_answer_and_bad_version(open_url, router):
    router.add('GET', '/api/version', {'version': 'dev-build'})
    router.add('POST', '/api/generate', FakeResponse(ndjson({'response': '', 'done': True})))
    router.add('POST', '/v1/chat/completions', FakeResponse(sse({'choices': [{'delta': {}}]})))
    router.add('GET', '/v1/models', {'data': [{'id': 'm:latest'}]})
    failed, res = run({'checks': [{'type': 'version', 'at_least': '1.0'}, {'type': 'generate', 'model': 'm'},
                                  {'type': 'openai', 'model': 'm'}]})
    assert failed
    assert 'unparsable version' in res['checks'][0]['detail']
    assert 'empty answer' in res['checks'][1]['detail']
    assert 'streamed no text' in res['checks'][2]['detail']


def test_openai_slow_first_token(open_url, router):
    router.add('GET', '/api/version', {'version': '1.0.0'})
    router.add('GET', '/v1/models', {'data': [{'id': 'm:latest'}]})
    router.add('POST', '/v1/chat/completions', FakeResponse(OPENAI_OK))
    failed, res = run({'checks': [{'type': 'openai', 'model': 'm', 'max_time_to_first_token': -1}]})
    assert failed and 'expected at most -1' in res['msg']


@pytest.mark.parametrize('check, answer, passed, words', [
    ({'type': 'cors', 'origin': 'https://chat.example'},
     FakeResponse(b'{}', headers={'Access-Control-Allow-Origin': 'https://chat.example'}), True,
     'origin https://chat.example allowed'),
    ({'type': 'cors', 'origin': 'https://chat.example'},
     FakeResponse(b'{}', headers={'Access-Control-Allow-Origin': '*'}), True, 'allowed'),
    ({'type': 'cors', 'origin': 'https://evil.example'}, http_error(403), False,
     'is not allowed (HTTP 403, Access-Control-Allow-Origin: None); add it to OLLAMA_ORIGINS'),
    ({'type': 'cors', 'origin': 'https://evil.example', 'expect': 'refused'}, http_error(403), True, 'refused'),
    ({'type': 'cors', 'origin': 'https://evil.example', 'expect': 'refused'}, FakeResponse(b'{}'), False,
     'was not refused (HTTP 200'),
])
def test_cors(open_url, router, check, answer, passed, words):
    router.add('GET', '/api/version', {'version': '1.0.0'}, answer)
    failed, res = run({'checks': [check], 'url_username': 'u', 'url_password': 'p'})
    assert failed is not passed
    assert words in res['checks'][0]['detail']
    cors_call = router.calls[-1]
    assert cors_call['headers']['Origin'] == check['origin']
    assert open_url.call_args[1]['url_username'] == 'u'  # CORS is checked with credentials


@pytest.mark.parametrize('check, status, passed, words', [
    ({'type': 'auth'}, 401, True, 'GET /api/tags without credentials answered HTTP 401'),
    ({'type': 'auth', 'expect_status': [401, 403], 'path': '/v1/models'}, 403, True, 'HTTP 403'),
    ({'type': 'auth'}, 200, False, 'open to anyone'),
    ({'type': 'auth'}, 404, False, 'answered HTTP 404, expected 401'),
])
def test_auth(open_url, router, check, status, passed, words):
    router.add('GET', '/api/version', {'version': '1.0.0'})
    path = check.get('path', '/api/tags')
    router.add('GET', path, FakeResponse(b'{}') if status == 200 else
               http_error(status, b'', headers={'WWW-Authenticate': 'Basic realm="ollama"'}))
    failed, res = run({'checks': [check], 'api_key': 'tok'})
    assert failed is not passed
    assert words in res['checks'][0]['detail']
    auth_call = router.calls[-1]
    assert 'Authorization' not in auth_call['headers']
    assert router.calls[0]['headers']['Authorization'] == 'Bearer tok'


def test_wait_retries_until_up(open_url, router, no_sleep):
    router.add('GET', '/api/version', REFUSED, http_error(503, b''), http_error(502, b''), {'version': '1.0.0'})
    router.add('GET', '/', FakeResponse(b'Ollama is running'))
    failed, res = run({'checks': [{'type': 'reachable'}], 'wait_timeout': 60})
    assert not failed, res
    assert no_sleep.call_count == 3 and all(c.args[0] == 2.0 for c in no_sleep.call_args_list)
    assert res['version'] == '1.0.0'


def test_wait_gives_up_at_deadline(open_url, router, no_sleep):
    router.add('GET', '/api/version', REFUSED)
    router.add('GET', '/', REFUSED)
    clock = iter(range(0, 10000, 7))
    fake_time = types.SimpleNamespace(monotonic=lambda: float(next(clock)), sleep=no_sleep)
    with mock.patch.object(ollama_verify, 'time', fake_time):
        failed, res = run({'checks': [{'type': 'reachable'}], 'wait_timeout': 20})
    assert failed
    assert 'cannot connect to http://127.0.0.1:11434/: connection refused' in res['msg']
    assert 1 <= no_sleep.call_count <= 3
    assert 'version' not in res


def test_wait_stops_on_non_transient_error(open_url, router, no_sleep):
    router.add('GET', '/api/version', http_error(401, b''))
    router.add('GET', '/', http_error(401, b''))
    failed, res = run({'checks': [{'type': 'reachable'}], 'wait_timeout': 60})
    assert failed and no_sleep.call_count == 0
    assert 'HTTP 401 authentication required' in res['msg']


def test_wait_stops_on_certificate_failure(open_url, router, no_sleep):
    bad_cert = urllib.error.URLError(ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] self-signed'))
    router.add('GET', '/api/version', bad_cert)
    router.add('GET', '/', bad_cert)
    failed, res = run({'checks': [{'type': 'reachable'}], 'wait_timeout': 60})
    assert failed and no_sleep.call_count == 0
    assert 'TLS certificate verification failed' in res['msg']
    assert res['waited'] < 1


def test_no_wait(open_url, router, no_sleep):
    router.add('GET', '/api/version', REFUSED)
    failed, res = run({'checks': [{'type': 'version', 'at_least': '1'}], 'wait_timeout': 0})
    assert failed and no_sleep.call_count == 0


@pytest.mark.parametrize('checks, words', [
    ([{'type': 'generate'}], 'model'),
    ([{'type': 'version', 'equals': '1', 'at_least': '1'}], 'mutually exclusive'),
    ([{'type': 'cors'}], 'origin'),
    ([{'type': 'models'}], 'names'),
    ([{'type': 'embed', 'model': 'e', 'origin': 'https://x'}], 'checks[0] (type embed) does not take origin'),
    ([{'type': 'reachable', 'dimension': 3}], 'takes no options'),
    ([{'type': 'generate', 'model': 'bad name'}], 'checks[0]: invalid model name'),
    ([{'type': 'models', 'names': ['ok', 'a/b/c/d']}], 'invalid model name'),
    ([{'type': 'version', 'at_least': 'newest'}], 'is not a version'),
    ([{'type': 'cors', 'origin': 'chat.example'}], 'must look like https://host'),
    ([{'type': 'nope'}], 'value of type must be one of'),
    ([], 'checks is empty'),
])
def test_invalid_checks_fail_before_any_request(open_url, checks, words):
    failed, res = run({'checks': checks})
    assert failed and words in res['msg'], res['msg']
    assert open_url.call_count == 0


def test_bad_url_and_unexpected_error(open_url, router):
    failed, res = run({'url': 'nope', 'checks': [{'type': 'reachable'}]})
    assert failed and 'http:// or https://' in res['msg']
    router.add('GET', '/api/version', RuntimeError('bug'))
    failed, res = run({})
    assert failed and res['msg'] == 'unexpected error: bug'
