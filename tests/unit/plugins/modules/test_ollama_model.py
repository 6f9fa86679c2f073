# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import urllib.error
from unittest import mock

import pytest

from ansible_collections.localllm.ollama.plugins.modules import ollama_model
from ollama_test_helpers import FakeResponse, http_error, ndjson, run_module

D1 = '1' * 64
D2 = '2' * 64
PULL_OK = ndjson({'status': 'pulling manifest'},
                 {'status': 'pulling 111111111111', 'digest': 'sha256:' + D1, 'total': 500, 'completed': 500},
                 {'status': 'success'})


def tags(*items):
    return {'models': [{'name': n, 'model': n, 'digest': d, 'size': 500} for n, d in items]}


def run(args, **kw):
    return run_module(ollama_model, args, **kw)


# ---------------------------------------------------------------------------------------------------------------
# present / latest
# ---------------------------------------------------------------------------------------------------------------

def test_present_pulls_missing_model(open_url, router):
    router.add('GET', '/api/tags', tags(), tags(('llama3.2:latest', D1)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    failed, res = run({'name': 'llama3.2', 'insecure': True}, diff=True)
    assert not failed, res
    assert res['changed'] is True
    assert res['name'] == 'llama3.2:latest'
    assert res['model'] == {'name': 'llama3.2:latest', 'digest': D1, 'size': 500}
    assert res['bytes'] == 500 and res['attempts'] == 1 and res['duration'] >= 0
    assert res['msg'].startswith('pulled llama3.2:latest (500 bytes')
    assert res['diff'] == {'before': {'name': 'llama3.2:latest', 'state': 'absent'},
                           'after': {'name': 'llama3.2:latest', 'state': 'present', 'digest': D1}}
    assert router.calls[1]['body'] == {'model': 'llama3.2:latest', 'stream': True, 'insecure': True}


def test_present_existing_model_is_one_get(open_url, router):
    router.add('GET', '/api/tags', tags(('Llama3.2:latest', D1)))
    failed, res = run({'name': 'registry.ollama.ai/library/llama3.2'})
    assert not failed and res['changed'] is False
    assert router.paths() == ['/api/tags']
    assert 'bytes' not in res
    assert res['msg'] == 'llama3.2:latest is already present'


def test_present_check_mode_does_not_pull(open_url, router):
    router.add('GET', '/api/tags', tags())
    failed, res = run({'name': 'm'}, check_mode=True, diff=True)
    assert not failed and res['changed'] is True
    assert router.paths('POST') == []
    assert res['diff']['after']['state'] == 'present'
    assert res['msg'] == 'm:latest would be pulled'


@pytest.mark.parametrize('after_digest, changed, words', [
    (D2, True, 'updated m:latest from digest 111111111111 to 222222222222'),
    (D1, False, 'already the newest digest'),
])
def test_latest(open_url, router, after_digest, changed, words):
    router.add('GET', '/api/tags', tags(('m:latest', D1)), tags(('m:latest', after_digest)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    failed, res = run({'name': 'm', 'state': 'latest'})
    assert not failed and res['changed'] is changed
    assert words in res['msg']
    assert res['model']['digest'] == after_digest


def test_latest_check_mode_present_does_not_pull(open_url, router):
    router.add('GET', '/api/tags', tags(('m:latest', D1)))
    failed, res = run({'name': 'm', 'state': 'latest'}, check_mode=True)
    assert not failed and res['changed'] is False
    assert 'cannot be known without pulling' in res['msg']
    assert router.paths('POST') == []


def test_pull_success_but_not_listed(open_url, router):
    router.add('GET', '/api/tags', tags())
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    failed, res = run({'name': 'm'})
    assert failed and 'does not list it' in res['msg']


# ---------------------------------------------------------------------------------------------------------------
# failures, retries
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['a/b/c/d', 'my.org/m', 'm name', 'm@sha256:' + D1, '-m'])
def test_invalid_name_fails_before_any_request(open_url, router, name):
    failed, res = run({'name': name})
    assert failed and 'invalid model name' in res['msg'] and 'Names look like' in res['msg']
    assert open_url.call_count == 0


def test_http_scheme_needs_insecure(open_url, router):
    failed, res = run({'name': 'http://reg:5000/ns/m'})
    assert failed and 'insecure: true' in res['msg']
    assert open_url.call_count == 0


def test_unknown_model_reports_registry_message_without_retry(open_url, router, no_sleep):
    router.add('GET', '/api/tags', tags())
    router.add('POST', '/api/pull', FakeResponse(ndjson({'status': 'pulling manifest'},
                                                        {'error': 'pull model manifest: file does not exist'})))
    failed, res = run({'name': 'nope'})
    assert failed
    assert 'pull model manifest: file does not exist' in res['msg']
    assert res['msg'].startswith('pull model nope:latest: http://127.0.0.1:11434/api/pull')
    assert len(router.paths('POST')) == 1
    assert no_sleep.call_count == 0


def test_partial_stream_retried_with_backoff(open_url, router, no_sleep):
    partial = FakeResponse(ndjson({'status': 'pulling manifest'}))
    router.add('GET', '/api/tags', tags(), tags(('m:latest', D1)))
    router.add('POST', '/api/pull', partial, http_error(503, b''), FakeResponse(PULL_OK))
    with mock.patch.object(ollama_model.AnsibleModule, 'warn') as warn:
        failed, res = run({'name': 'm', 'retry_delay': 2})
    assert not failed, res
    assert res['attempts'] == 3 and res['changed'] is True
    assert [c.args[0] for c in no_sleep.call_args_list] == [2.0, 4.0]
    assert warn.call_count == 2 and 'attempt 1 of 4' in warn.call_args_list[0].args[0]


def test_retries_exhausted(open_url, router, no_sleep):
    router.add('GET', '/api/tags', tags())
    router.add('POST', '/api/pull', urllib.error.URLError(ConnectionResetError(104, 'reset')))
    failed, res = run({'name': 'm', 'retries': 2, 'retry_delay': 1})
    assert failed
    assert 'gave up after 3 attempts' in res['msg']
    assert [c.args[0] for c in no_sleep.call_args_list] == [1.0, 2.0]


def test_retry_delay_zero_and_budget(open_url, router, no_sleep):
    router.add('GET', '/api/tags', tags())
    router.add('POST', '/api/pull', FakeResponse(b''))
    failed, res = run({'name': 'm', 'retries': 1, 'retry_delay': 0})
    assert failed and no_sleep.call_args_list[0].args[0] == 0.0
    router.calls.clear()
    no_sleep.reset_mock()
    failed, res = run({'name': 'm', 'retries': 5, 'retry_delay': 50, 'pull_timeout': 10})
    assert failed and no_sleep.call_count == 0
    assert len(router.paths('POST')) == 1


def test_connection_refused_is_clear(open_url, router, no_sleep):
    router.add('GET', '/api/tags', urllib.error.URLError(ConnectionRefusedError(111, 'Connection refused')))
    failed, res = run({'name': 'm'})
    assert failed
    assert res['msg'] == ('list models: cannot connect to http://127.0.0.1:11434/api/tags: connection refused '
                          '(is Ollama running and listening on this address and port?)')


def test_unexpected_exception(open_url, router):
    router.add('GET', '/api/tags', RuntimeError('bug'))
    failed, res = run({'name': 'm'})
    assert failed and res['msg'] == 'unexpected error: bug' and 'Traceback' in res['exception']


def test_bad_url(open_url):
    failed, res = run({'name': 'm', 'url': 'localhost:11434'})
    assert failed and 'http:// or https://' in res['msg']


# ---------------------------------------------------------------------------------------------------------------
# absent
# ---------------------------------------------------------------------------------------------------------------

def test_absent_deletes(open_url, router):
    router.add('GET', '/api/tags', tags(('m:latest', D1)))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'name': 'M', 'state': 'absent'}, diff=True)
    assert not failed and res['changed'] is True and res['msg'] == 'deleted M:latest'
    assert router.calls[-1]['body'] == {'model': 'M:latest'}
    assert res['diff']['before']['state'] == 'present' and res['diff']['after']['state'] == 'absent'


def test_absent_missing_is_unchanged(open_url, router):
    router.add('GET', '/api/tags', tags())
    failed, res = run({'name': 'm', 'state': 'absent'})
    assert not failed and res['changed'] is False and router.paths('DELETE') == []


def test_absent_race_404_is_unchanged(open_url, router):
    router.add('GET', '/api/tags', tags(('m:latest', D1)))
    router.add('DELETE', '/api/delete', http_error(404, {'error': "model 'm:latest' not found"}))
    failed, res = run({'name': 'm', 'state': 'absent'})
    assert not failed and res['changed'] is False and 'already gone' in res['msg']


def test_absent_check_mode(open_url, router):
    router.add('GET', '/api/tags', tags(('m:latest', D1)))
    failed, res = run({'name': 'm', 'state': 'absent'}, check_mode=True)
    assert not failed and res['changed'] is True and router.paths('DELETE') == []


# ---------------------------------------------------------------------------------------------------------------
# custom models
# ---------------------------------------------------------------------------------------------------------------

SHOW_PARAMS = ('num_ctx                        8192\n'
               'stop                           "<|eot_id|>"\n'
               'stop                           "<|end|>"\n'
               'temperature                    0.3\n'
               'top_p                          0.9\n')
CUSTOM = {'name': 'company-assistant', 'from': 'llama3.2', 'system': 'Be brief.',
          'parameters': {'temperature': 0.3, 'top_p': '0.9', 'num_ctx': 8192, 'stop': ['<|eot_id|>', '<|end|>']}}


def show(**overrides):
    data = {'modelfile': '# Modelfile generated by "ollama show"\nFROM /models/blobs/sha256-' + D1 + '\n',
            'parameters': SHOW_PARAMS, 'system': 'Be brief.', 'template': '{{ .Prompt }}', 'license': '',
            'details': {'parent_model': 'llama3.2:latest'}}
    data.update(overrides)
    return data


def test_custom_create_when_missing(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1)),
               tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    router.add('POST', '/api/create', FakeResponse(ndjson({'status': 'creating new layer sha256:x'},
                                                          {'status': 'success'})))
    failed, res = run(CUSTOM, diff=True)
    assert not failed, res
    assert res['changed'] is True and res['created'] is True and res['differences'] == ['model']
    assert res['model']['digest'] == D2
    body = router.calls[1]['body']
    assert body == {'model': 'company-assistant:latest', 'from': 'llama3.2:latest', 'system': 'Be brief.',
                    'parameters': CUSTOM['parameters'], 'stream': True}
    assert res['diff']['before'] == {'name': 'company-assistant:latest', 'state': 'absent'}
    assert res['diff']['after']['system'] == 'Be brief.'
    assert res['msg'] == 'company-assistant:latest created from llama3.2:latest'


def test_custom_unchanged(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    router.add('POST', '/api/show', show())
    failed, res = run(CUSTOM)
    assert not failed, res
    assert res['changed'] is False and res['differences'] == []
    assert router.paths('POST') == ['/api/show']
    assert res['msg'] == 'company-assistant:latest is up to date'


@pytest.mark.parametrize('change, diffs', [
    ({'parameters': dict(CUSTOM['parameters'], temperature=0.7)}, ['parameters.temperature']),
    ({'parameters': dict(CUSTOM['parameters'], stop='<|eot_id|>')}, ['parameters.stop']),
    ({'parameters': {'seed': 42}}, ['parameters.seed']),
    ({'system': 'Be verbose.'}, ['system']),
    ({'template': '{{ .System }}'}, ['template']),
    ({'license': ['MIT', 'Apache-2.0']}, ['license']),
    ({'messages': [{'role': 'user', 'content': 'hi'}]}, ['messages']),
    ({'from': 'qwen2.5:0.5b'}, ['from']),
])
def test_custom_changes_detected(open_url, router, change, diffs):
    args = dict(CUSTOM, **change)
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('qwen2.5:0.5b', D1),
                                        ('company-assistant:latest', D2)))
    router.add('POST', '/api/show', show())
    router.add('POST', '/api/create', FakeResponse(ndjson({'status': 'success'})))
    failed, res = run(args, diff=True)
    assert not failed, res
    assert res['changed'] is True and res['differences'] == diffs
    assert 'rebuilt' in res['msg']
    assert router.paths('POST')[-1] == '/api/create'


def test_custom_matching_license_list_messages(open_url, router):
    args = dict(CUSTOM, license=['MIT', 'Apache-2.0'], messages=[{'role': 'user', 'content': 'hi'}])
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    router.add('POST', '/api/show', show(license='MIT\nApache-2.0', messages=[{'role': 'user', 'content': 'hi'}]))
    failed, res = run(args)
    assert not failed and res['changed'] is False


def test_custom_check_mode_does_not_create(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    router.add('POST', '/api/show', show(system='old'))
    failed, res = run(CUSTOM, check_mode=True, diff=True)
    assert not failed and res['changed'] is True and 'would be rebuilt' in res['msg']
    assert router.paths('POST') == ['/api/show']
    assert res['diff']['before']['system'] == 'old' and res['diff']['after']['system'] == 'Be brief.'


def test_custom_pulls_missing_base_first(open_url, router):
    router.add('GET', '/api/tags', tags(), tags(('llama3.2:latest', D1)),
               tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    router.add('POST', '/api/create', FakeResponse(ndjson({'status': 'success'})))
    failed, res = run(dict(CUSTOM, insecure=True))
    assert not failed, res
    assert router.paths('POST') == ['/api/pull', '/api/create']
    assert router.calls[1]['body']['insecure'] is True
    assert res['bytes'] == 500 and 'base llama3.2:latest pulled' in res['msg']


def test_custom_check_mode_missing_base(open_url, router):
    router.add('GET', '/api/tags', tags())
    failed, res = run(CUSTOM, check_mode=True)
    assert not failed and res['changed'] is True and router.paths('POST') == []
    assert 'base llama3.2:latest would be pulled' in res['msg']
    assert res['model'] == {'name': 'company-assistant:latest', 'digest': None, 'size': None}


def test_custom_from_blob_compare(open_url, router):
    """Without parent_model, the FROM blob of the custom model is compared with the base's."""
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    base_show = show(modelfile='FROM /models/blobs/sha256-' + D2 + '\n')
    router.add('POST', '/api/show', show(details={}), base_show)
    router.add('POST', '/api/create', FakeResponse(ndjson({'status': 'success'})))
    failed, res = run(CUSTOM, diff=True)
    assert not failed and res['differences'] == ['from']
    assert res['diff']['before']['from'].startswith('another base')


def test_custom_from_blob_same(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)))
    router.add('POST', '/api/show', show(details={}), show())
    failed, res = run(CUSTOM)
    assert not failed and res['changed'] is False


def test_custom_latest_base_changed_rebuilds(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('company-assistant:latest', D2)),
               tags(('llama3.2:latest', D2), ('company-assistant:latest', D2)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    router.add('POST', '/api/show', show())
    router.add('POST', '/api/create', FakeResponse(ndjson({'status': 'success'})))
    failed, res = run(dict(CUSTOM, state='latest'))
    assert not failed, res
    assert res['changed'] is True and res['differences'] == ['from']


def test_custom_create_not_listed_after(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1)))
    router.add('POST', '/api/create', FakeResponse(ndjson({'status': 'success'})))
    failed, res = run(CUSTOM)
    assert failed and 'does not list it' in res['msg']


@pytest.mark.parametrize('args, words', [
    (dict(CUSTOM, license=[1, 2]), 'license must be a string or a list of strings'),
    (dict(CUSTOM, license={'a': 1}), 'license must be a string or a list of strings'),
    (dict(CUSTOM, **{'from': 'bad name'}), 'from: invalid model name'),
    ({'name': 'x', 'system': 'y'}, 'from'),
    ({'name': 'x', 'sync': ['a']}, 'mutually exclusive'),
    ({'state': 'present'}, 'one of the following is required: name, sync'),
    ({'name': 'x', 'api_key': 'k', 'url_username': 'u', 'url_password': 'p'}, 'mutually exclusive'),
    ({'name': 'x', 'url_username': 'u'}, 'parameters are required together'),
    ({'name': 'x', 'client_key': '/k'}, 'client_cert'),
    ({'name': 'x', 'messages': [{'role': 'user'}], 'from': 'b'}, 'content'),
])
def test_argument_errors(open_url, args, words):
    failed, res = run(args)
    assert failed and words in res['msg'], res['msg']
    assert open_url.call_count == 0


# ---------------------------------------------------------------------------------------------------------------
# sync
# ---------------------------------------------------------------------------------------------------------------

def test_sync_refuses_empty_list(open_url):
    failed, res = run({'sync': []})
    assert failed and 'would remove every model' in res['msg']
    assert open_url.call_count == 0


def test_sync_refuses_other_states(open_url):
    failed, res = run({'sync': ['a'], 'state': 'absent'})
    assert failed and 'state: present' in res['msg']


def test_sync_invalid_name(open_url):
    failed, res = run({'sync': ['a/b/c/d']})
    assert failed and res['msg'].startswith('sync: invalid model name')
    assert open_url.call_count == 0


def test_sync_removes_unlisted(open_url, router):
    router.add('GET', '/api/tags', tags(('llama3.2:latest', D1), ('old:latest', D2), ('Keep/Me:1', D1)))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'sync': ['registry.ollama.ai/library/llama3.2', 'keep/me:1', 'absent-one']}, diff=True)
    assert not failed, res
    assert res['changed'] is True and res['removed'] == ['old:latest']
    assert res['kept'] == ['llama3.2:latest', 'Keep/Me:1'] and res['missing'] == ['absent-one:latest']
    assert [c['body'] for c in router.calls if c['method'] == 'DELETE'] == [{'model': 'old:latest'}]
    assert res['diff']['after'] == {'models': ['Keep/Me:1', 'llama3.2:latest']}


def test_sync_check_mode_and_nothing_to_do(open_url, router):
    router.add('GET', '/api/tags', tags(('a:latest', D1), ('b:latest', D2)))
    failed, res = run({'sync': ['a']}, check_mode=True)
    assert not failed and res['changed'] is True and res['removed'] == ['b:latest']
    assert router.paths('DELETE') == []
    failed, res = run({'sync': ['a', 'b']})
    assert not failed and res['changed'] is False and res['msg'] == 'no model to remove'


# ---------------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------------

def test_parse_show_parameters():
    assert ollama_model.parse_show_parameters(SHOW_PARAMS + 'mirostat   true\nodd   not-go\n\n') == {
        'num_ctx': 8192, 'stop': ['<|eot_id|>', '<|end|>'], 'temperature': 0.3, 'top_p': 0.9,
        'mirostat': True, 'odd': 'not-go'}
    assert ollama_model.parse_show_parameters(None) == {}
    assert ollama_model.parse_show_parameters('lonely') == {'lonely': ''}


@pytest.mark.parametrize('a, b, equal', [
    (0.3, '0.3', True),
    (8192, 8192.0, True),
    ('true', True, True),
    (True, 1, False),
    ('x', ['x'], True),
    (['a', 'b'], ['b', 'a'], False),
    ('abc', 'abc ', False),
    ('\n', '\n', True),
])
def test_normalize_parameter(a, b, equal):
    assert (ollama_model.normalize_parameter(a) == ollama_model.normalize_parameter(b)) is equal


def test_show_helpers_without_data():
    assert ollama_model._from_line({}) is None
    assert ollama_model._from_line({'modelfile': '# no from here\n'}) is None
    assert ollama_model._license_text(None) is None
    assert ollama_model._model_summary(None) == {}
    params = {'system': 's', 'template': 't', 'license': 'l', 'messages': [], 'parameters': {'seed': 1}}
    assert ollama_model.current_settings({}, params) == {'system': '', 'template': '', 'license': '', 'messages': [],
                                                         'parameters': {'seed': None}}
