# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils import _api
from ansible_collections.localllm.ollama.plugins.module_utils._api import (
    OllamaApiError,
    OllamaClient,
)
from ollama_test_helpers import BrokenResponse, FakeResponse, Router, http_error, ndjson, sse

BASE = 'http://127.0.0.1:11434'


class Clock(object):
    """A monotonic clock that advances by `step` on every reading."""

    def __init__(self, step=0.5):
        self.now = 100.0
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


def client(**kwargs):
    return OllamaClient(**kwargs)


# ---------------------------------------------------------------------------------------------------------------
# argument spec and client construction
# ---------------------------------------------------------------------------------------------------------------

def test_argument_spec():
    spec = _api.ollama_argument_spec()
    assert spec['url']['default'] == 'http://127.0.0.1:11434'
    assert spec['url_password']['no_log'] is True
    assert spec['api_key']['no_log'] is True
    assert spec['timeout'] == {'type': 'int', 'default': 30}
    assert spec['validate_certs']['default'] is True
    assert spec['ca_path']['type'] == 'path'
    assert 'force' not in spec and 'use_gssapi' not in spec


def test_bad_base_url():
    with pytest.raises(ValueError, match='http:// or https://'):
        OllamaClient(url='127.0.0.1:11434')


def test_from_params_and_connection_info():
    c = OllamaClient.from_params({'url': 'https://gw.example/ollama/', 'api_key': 's3cret', 'timeout': None})
    assert c.base_url == 'https://gw.example/ollama'
    assert c.timeout == 30
    info = c.connection_info()
    assert info['OLLAMA_BASE_URL'] == 'https://gw.example/ollama'
    assert info['OPENAI_API_BASE'] == 'https://gw.example/ollama/v1'
    assert info['auth'] == 'bearer'
    assert 's3cret' not in repr(info)
    basic = OllamaClient(url_username='u', url_password='pw').connection_info()
    assert basic['auth'] == 'basic' and 'pw' not in repr(basic)
    assert OllamaClient().connection_info()['auth_header'] is None


# ---------------------------------------------------------------------------------------------------------------
# transport: what reaches open_url
# ---------------------------------------------------------------------------------------------------------------

def test_settings_reach_open_url(open_url, router):
    router.add('GET', '/api/version', {'version': '0.32.15'})
    c = client(validate_certs=False, timeout=7, ca_path='/ca.pem', client_cert='/c.pem', client_key='/k.pem',
               http_agent='agent/1', use_proxy=False)
    assert c.version() == '0.32.15'
    args, kwargs = open_url.call_args
    assert args[0] == BASE + '/api/version'
    assert kwargs['method'] == 'GET'
    assert kwargs['validate_certs'] is False
    assert kwargs['timeout'] == 7
    assert kwargs['ca_path'] == '/ca.pem'
    assert kwargs['client_cert'] == '/c.pem'
    assert kwargs['client_key'] == '/k.pem'
    assert kwargs['http_agent'] == 'agent/1'
    assert kwargs['use_proxy'] is False
    assert 'Authorization' not in kwargs['headers']
    assert 'url_username' not in kwargs


def test_basic_auth_reaches_open_url(open_url, router):
    router.add('GET', '/api/tags', {'models': []})
    client(url_username='admin', url_password='pw').tags()
    kwargs = open_url.call_args[1]
    assert kwargs['url_username'] == 'admin'
    assert kwargs['url_password'] == 'pw'
    assert kwargs['force_basic_auth'] is True


def test_bearer_reaches_open_url(open_url, router):
    router.add('GET', '/api/tags', {'models': []})
    client(api_key='tok').tags()
    assert open_url.call_args[1]['headers']['Authorization'] == 'Bearer tok'


def test_sub_path_base_url(open_url):
    router = Router(base='https://gw.example/ollama')
    open_url.side_effect = router
    router.add('GET', '/api/version', {'version': '1.0.0'})
    assert client(url='https://gw.example/ollama/').version() == '1.0.0'
    assert open_url.call_args[0][0] == 'https://gw.example/ollama/api/version'


def test_json_body_and_content_type(open_url, router):
    router.add('POST', '/api/show', {'system': 's'})
    assert client().show('m:latest') == {'system': 's'}
    call = router.calls[0]
    assert call['body'] == {'model': 'm:latest'}
    assert call['headers']['Content-Type'] == 'application/json'


# ---------------------------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('code, body, words, retriable', [
    (401, b'', 'authentication required or failed', False),
    (403, b'', 'forbidden (Ollama refuses a Host header', False),
    (404, {'error': "model 'x' not found"}, "not found: model 'x' not found", False),
    (409, b'', 'conflict', False),
    (429, b'slow down', 'too many requests (rate limited): slow down', True),
    (500, {'error': {'message': 'boom', 'type': 'api_error'}}, 'internal server error: boom', False),
    (502, b'<html>bad gateway</html>', 'bad gateway', True),
    (503, {'error': 'server busy, please try again.  maximum pending requests exceeded'}, 'server busy', True),
    (504, b'', 'gateway timeout', True),
    (418, {'message': 'teapot'}, 'HTTP 418: teapot', False),
])
def test_http_errors(open_url, router, code, body, words, retriable):
    router.add('GET', '/api/tags', http_error(code, body))
    with pytest.raises(OllamaApiError) as e:
        client().tags()
    err = e.value
    assert err.status == code
    assert err.retriable is retriable
    text = str(err)
    assert text.startswith('list models: %s/api/tags returned HTTP %d' % (BASE, code))
    assert words in text


@pytest.mark.parametrize('exc, words', [
    (urllib.error.URLError(ConnectionRefusedError(111, 'Connection refused')), 'connection refused (is Ollama'),
    (urllib.error.URLError(socket.gaierror(-2, 'Name or service not known')), 'name resolution failed'),
    (urllib.error.URLError(ssl.SSLCertVerificationError(1, 'certificate verify failed')),
     'TLS certificate verification failed'),
    (urllib.error.URLError(ssl.SSLError(1, 'wrong version number')), 'TLS error'),
    (socket.timeout('timed out'), 'timed out'),
    (_api.UrlsConnectionError('proxy said no'), 'proxy said no'),
    (http.client.RemoteDisconnected('closed'), 'closed'),
])
def test_connection_errors(open_url, router, exc, words):
    router.add('GET', '/api/version', exc)
    with pytest.raises(OllamaApiError) as e:
        client().version()
    assert e.value.connection_error
    # retrying helps a refused or dropped connection, never a certificate that does not verify
    assert e.value.retriable == (words != 'TLS certificate verification failed')
    assert str(e.value).startswith('get version: cannot connect to %s/api/version: ' % BASE)
    assert words in str(e.value)


def test_http_error_with_unreadable_body(open_url, router):
    class Unreadable(urllib.error.HTTPError):
        def read(self, *a):
            raise OSError('gone')
    router.add('GET', '/api/tags', Unreadable(BASE, 503, 'x', {}, None))
    with pytest.raises(OllamaApiError, match='HTTP 503 service unavailable') as e:
        client().tags()
    assert e.value.message == ''


def test_non_json_and_empty_bodies(open_url, router):
    router.add('GET', '/api/version', FakeResponse(b'<html>login</html>'))
    with pytest.raises(OllamaApiError, match='response is not JSON'):
        client().version()
    router.add('GET', '/api/tags', FakeResponse(b''))
    with pytest.raises(OllamaApiError, match='empty response body'):
        client().tags()


def test_json_read_interrupted(open_url, router):
    class Dropping(FakeResponse):
        def read(self, *a):
            raise http.client.IncompleteRead(b'{')
    router.add('GET', '/api/ps', Dropping(b''))
    with pytest.raises(OllamaApiError) as e:
        client().ps()
    assert e.value.partial and e.value.retriable


# ---------------------------------------------------------------------------------------------------------------
# read-only endpoints
# ---------------------------------------------------------------------------------------------------------------

def test_root_tags_ps_find(open_url, router):
    router.add('GET', '/', FakeResponse(b'Ollama is running'))
    router.add('GET', '/api/tags', {'models': [{'name': 'Llama3.2:latest', 'digest': 'd1'}, {'model': 'x/y:1'}]})
    router.add('GET', '/api/ps', {'models': None})
    c = client()
    assert c.root() == 'Ollama is running'
    assert c.find_model('llama3.2')['digest'] == 'd1'
    assert c.find_model('registry.ollama.ai/x/y:1') == {'model': 'x/y:1'}
    assert c.find_model('nope') is None
    assert c.ps() == []


def test_tags_null_models(open_url, router):
    router.add('GET', '/api/tags', {'models': None})
    assert client().tags() == []


# ---------------------------------------------------------------------------------------------------------------
# pull
# ---------------------------------------------------------------------------------------------------------------

PULL_OK = [
    {'status': 'pulling manifest'},
    {'status': 'pulling aaaaaaaaaaaa', 'digest': 'sha256:' + 'a' * 64, 'total': 1000, 'completed': 10},
    {'status': 'pulling aaaaaaaaaaaa', 'digest': 'sha256:' + 'a' * 64, 'total': 1000, 'completed': 1000},
    {'status': 'pulling bbbbbbbbbbbb', 'digest': 'sha256:' + 'b' * 64, 'total': 24, 'completed': 24},
    {'status': 'verifying sha256 digest'},
    {'status': 'writing manifest'},
    {'status': 'success'},
]


def test_pull_success(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(ndjson(*PULL_OK)))
    seen = []
    res = client().pull('m:latest', insecure=True, progress=seen.append)
    assert res['status'] == 'success'
    assert res['bytes'] == 1024
    assert res['layers'] == 2
    assert res['statuses'][0] == 'pulling manifest' and res['statuses'][-1] == 'success'
    assert len(seen) == len(PULL_OK)
    assert router.calls[0]['body'] == {'model': 'm:latest', 'stream': True, 'insecure': True}


def test_pull_without_insecure_omits_flag(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(ndjson({'status': 'success'})))
    client().pull('m')
    assert 'insecure' not in router.calls[0]['body']


def test_pull_in_stream_error(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(ndjson(
        {'status': 'pulling manifest'}, {'error': 'pull model manifest: file does not exist'})))
    with pytest.raises(OllamaApiError) as e:
        client().pull('nope:latest')
    err = e.value
    assert err.status == 200 and not err.retriable and not err.partial
    assert err.message == 'pull model manifest: file does not exist'
    assert str(err) == ('pull model nope:latest: %s/api/pull: pull model manifest: file does not exist '
                        '(error reported inside the HTTP 200 stream)' % BASE)


def test_pull_in_stream_transient_error_is_retriable(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(ndjson({'error': 'read tcp 1.2.3.4: i/o timeout'})))
    with pytest.raises(OllamaApiError) as e:
        client().pull('m')
    assert e.value.retriable


def test_pull_stream_ends_early(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(ndjson(*PULL_OK[:3])))
    with pytest.raises(OllamaApiError) as e:
        client().pull('m')
    assert e.value.partial and e.value.retriable
    assert 'ended early' in str(e.value) and "'pulling aaaaaaaaaaaa'" in str(e.value)


def test_pull_empty_stream(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(b''))
    with pytest.raises(OllamaApiError, match='no progress at all'):
        client().pull('m')


def test_pull_connection_lost(open_url, router):
    router.add('POST', '/api/pull', BrokenResponse(ndjson(*PULL_OK[:2]), ConnectionResetError(104, 'reset')))
    with pytest.raises(OllamaApiError) as e:
        client().pull('m')
    assert e.value.partial and e.value.retriable
    assert 'connection lost' in str(e.value)


def test_pull_stall_timeout(open_url, router):
    router.add('POST', '/api/pull', BrokenResponse(ndjson(PULL_OK[0]), socket.timeout('timed out')))
    with pytest.raises(OllamaApiError, match='connection lost: timed out') as e:
        client().pull('m')
    assert e.value.retriable


def test_pull_garbage_line(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(b'{"status":"pulling manifest"}\nnot json\n'))
    with pytest.raises(OllamaApiError, match='unreadable stream line') as e:
        client().pull('m')
    assert e.value.partial


def test_pull_deadline(open_url, router):
    router.add('POST', '/api/pull', FakeResponse(ndjson(*PULL_OK)))
    c = OllamaClient(clock=Clock(step=10))
    with pytest.raises(OllamaApiError, match='time budget exhausted') as e:
        c.pull('m', deadline=115)
    assert not e.value.retriable


def test_pull_http_error_before_stream(open_url, router):
    router.add('POST', '/api/pull', http_error(400, {'error': 'invalid model name'}))
    with pytest.raises(OllamaApiError, match='HTTP 400 bad request: invalid model name'):
        client().pull('m')


# ---------------------------------------------------------------------------------------------------------------
# create, delete, copy
# ---------------------------------------------------------------------------------------------------------------

def test_create_success(open_url, router):
    router.add('POST', '/api/create', FakeResponse(ndjson(
        {'status': 'using existing layer sha256:aa'}, {'status': 'creating new layer sha256:bb'},
        {'status': 'writing manifest'}, {'status': 'success'})))
    res = client().create({'model': 'c:latest', 'from': 'm:latest', 'system': 's'})
    assert res['status'] == 'success' and res['all_layers_existed'] is False
    assert router.calls[0]['body'] == {'model': 'c:latest', 'from': 'm:latest', 'system': 's', 'stream': True}


def test_create_all_layers_existed(open_url, router):
    router.add('POST', '/api/create', FakeResponse(ndjson(
        {'status': 'using existing layer sha256:aa'}, {'status': 'success'})))
    assert client().create({'model': 'c'})['all_layers_existed'] is True


@pytest.mark.parametrize('body, words', [
    (ndjson({'status': 'using existing layer sha256:aa'}), 'ended early'),
    (b'', 'ended early'),
    (ndjson({'error': 'neither \'from\' or \'files\' was specified'}), "neither 'from'"),
])
def test_create_failures(open_url, router, body, words):
    router.add('POST', '/api/create', FakeResponse(body))
    with pytest.raises(OllamaApiError, match=words):
        client().create({'model': 'c'})


def test_delete(open_url, router):
    router.add('DELETE', '/api/delete', FakeResponse(b''), http_error(404, {'error': "model 'm' not found"}),
               http_error(500, {'error': 'disk on fire'}))
    c = client()
    assert c.delete('m') is True
    assert router.calls[0]['body'] == {'model': 'm'}
    assert c.delete('m') is False
    with pytest.raises(OllamaApiError, match='delete model m: .* HTTP 500 internal server error: disk on fire'):
        c.delete('m')


def test_copy(open_url, router):
    router.add('POST', '/api/copy', FakeResponse(b''))
    assert client().copy('a', 'b') is True
    assert router.calls[0]['body'] == {'source': 'a', 'destination': 'b'}


# ---------------------------------------------------------------------------------------------------------------
# inference
# ---------------------------------------------------------------------------------------------------------------

def test_generate_measures(open_url, router):
    router.add('POST', '/api/generate', FakeResponse(ndjson(
        {'response': '', 'done': False},
        {'response': 'Hel', 'done': False}, {'response': 'lo', 'done': False},
        {'response': '', 'done': True, 'done_reason': 'stop', 'eval_count': 20, 'eval_duration': 500000000})))
    c = OllamaClient(clock=Clock(step=0.25))
    res = c.generate('m', 'hi', options={'num_predict': 8}, timeout=99, keep_alive='5m')
    assert res['text'] == 'Hello'
    assert res['eval_count'] == 20
    assert res['tokens_per_second'] == 40.0
    assert res['time_to_first_token'] == 0.25
    assert res['done_reason'] == 'stop'
    assert router.calls[0]['body'] == {'model': 'm', 'prompt': 'hi', 'stream': True, 'options': {'num_predict': 8},
                                       'keep_alive': '5m'}
    assert open_url.call_args[1]['timeout'] == 99


def test_chat_measures(open_url, router):
    router.add('POST', '/api/chat', FakeResponse(ndjson(
        {'message': {'role': 'assistant', 'content': 'Yes'}, 'done': False},
        {'message': {'role': 'assistant', 'content': ''}, 'done': True, 'eval_count': 1})))
    res = client().chat('m', [{'role': 'user', 'content': 'ok?'}], options={'num_predict': 4}, keep_alive=0)
    assert res['text'] == 'Yes' and res['tokens_per_second'] is None and res['eval_count'] == 1
    assert router.calls[0]['body']['keep_alive'] == 0


def test_generate_without_done_is_partial(open_url, router):
    router.add('POST', '/api/generate', FakeResponse(ndjson({'response': 'x', 'done': False})))
    with pytest.raises(OllamaApiError, match='without a final "done"') as e:
        client().generate('m', 'p')
    assert e.value.partial


def test_generate_not_found(open_url, router):
    router.add('POST', '/api/generate', http_error(404, {'error': "model 'm' not found"}))
    with pytest.raises(OllamaApiError, match="generate with m: .*HTTP 404 not found: model 'm' not found"):
        client().generate('m', 'p')


def test_embed(open_url, router):
    router.add('POST', '/api/embed', {'embeddings': [[0.1, 0.2]]}, FakeResponse(b'nope'))
    assert client().embed('e', 'hello')['embeddings'] == [[0.1, 0.2]]
    assert router.calls[0]['body'] == {'model': 'e', 'input': 'hello'}
    with pytest.raises(OllamaApiError, match='not JSON'):
        client().embed('e', 'hello')


def test_openai_models(open_url, router):
    router.add('GET', '/v1/models', {'object': 'list', 'data': None},
               {'object': 'list', 'data': [{'id': 'm:latest'}]})
    c = client()
    assert c.openai_models() == []
    assert c.openai_models() == ['m:latest']


def test_openai_chat_sse(open_url, router):
    body = b': keep-alive\n\n' + sse(
        {'choices': [{'delta': {'role': 'assistant', 'content': 'Hi'}}]},
        {'choices': [{'delta': {'content': ' there'}}]},
        {'choices': [{'delta': {}, 'finish_reason': 'stop'}]},
        {'choices': [], 'usage': {'completion_tokens': 2}})
    router.add('POST', '/v1/chat/completions', FakeResponse(body, headers={'Content-Type': 'text/event-stream'}))
    res = OllamaClient(clock=Clock()).openai_chat('m', [{'role': 'user', 'content': 'x'}], max_tokens=5)
    assert res['text'] == 'Hi there' and res['chunks'] == 4 and res['finish_reason'] == 'stop'
    assert res['time_to_first_token'] == 0.5
    assert router.calls[0]['body'] == {'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'stream': True,
                                       'max_tokens': 5}


@pytest.mark.parametrize('body, words', [
    (sse({'choices': [{'delta': {'content': 'x'}}]}, done=False), 'without "data: \\[DONE\\]"'),
    (b'data: {"error": {"message": "model \'m\' not found"}}\n\n', "model 'm' not found"),
    (b'data: {oops\n\n', 'unreadable SSE data'),
])
def test_openai_chat_failures(open_url, router, body, words):
    router.add('POST', '/v1/chat/completions', FakeResponse(body))
    with pytest.raises(OllamaApiError, match=words):
        client().openai_chat('m', [])


def test_openai_chat_connection_lost(open_url, router):
    router.add('POST', '/v1/chat/completions',
               BrokenResponse(sse({'choices': [{'delta': {'content': 'x'}}]}, done=False),
                              http.client.IncompleteRead(b'')))
    with pytest.raises(OllamaApiError, match='connection lost') as e:
        client().openai_chat('m', [])
    assert e.value.partial


# ---------------------------------------------------------------------------------------------------------------
# raw
# ---------------------------------------------------------------------------------------------------------------

def test_raw_success_and_error_without_raising(open_url, router):
    router.add('GET', '/api/version',
               FakeResponse({'version': '1'}, headers={'Access-Control-Allow-Origin': 'https://a'}),
               http_error(403, b'', headers={'X-Test': '1'}))
    c = client(url_username='u', url_password='p')
    ok = c.raw('GET', '/api/version', headers={'Origin': 'https://a'})
    assert ok['status'] == 200 and ok['headers']['access-control-allow-origin'] == 'https://a'
    assert router.calls[0]['headers']['Origin'] == 'https://a'
    assert open_url.call_args[1]['url_username'] == 'u'
    refused = c.raw('GET', '/api/version', auth=False)
    assert refused['status'] == 403 and refused['headers'] == {'x-test': '1'}
    assert 'url_username' not in open_url.call_args[1]
    assert 'Authorization' not in router.calls[1]['headers']


def test_raw_connection_error_raises(open_url, router):
    router.add('GET', '/api/tags', urllib.error.URLError(ConnectionRefusedError(111, 'refused')))
    with pytest.raises(OllamaApiError, match='cannot connect'):
        client().raw('GET', '/api/tags', auth=False)


def test_error_str_variants():
    assert str(OllamaApiError('op', 'u', status=None, message='m', connection_error=True)) == 'op: cannot connect to u: m'
    assert str(OllamaApiError('op', 'u', status=599)) == 'op: u returned HTTP 599'
    assert 'ended early (x)' in str(OllamaApiError('op', 'u', status=200, message='x', partial=True))


def test_small_helpers():
    assert _api._headers_dict(None) == {}
    assert _api._headers_dict(object()) == {}
    assert _api._headers_dict({'X-A': 'b'}) == {'x-a': 'b'}
    assert _api._error_message(b'[1, 2]') == '[1, 2]'
    assert _api._error_message(b'{"other": 1}') == '{"other": 1}'
    assert _api._error_message(None) == ''
