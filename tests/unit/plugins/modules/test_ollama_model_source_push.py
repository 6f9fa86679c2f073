# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""localllm.ollama.ollama_model `source` (pull a mirror's name, present it as `name`) and `push` (issue 14), with
open_url patched (the requests the module sends) and the registry client replaced (what the registry answers).
The same options against the real stand-in and a real registry: tests/integration/targets/ollama_model_source."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils._registry import RegistryError
from ansible_collections.localllm.ollama.plugins.modules import ollama_model
from ollama_test_helpers import FakeResponse, ndjson, run_module

D1 = '1' * 64
D2 = '2' * 64
SRC = 'mirror.example.internal:5000/library/tinyllama:latest'
PULL_OK = ndjson({'status': 'pulling manifest'},
                 {'status': 'pulling 111111111111', 'digest': 'sha256:' + D1, 'total': 500, 'completed': 500},
                 {'status': 'success'})
PUSH_OK = ndjson({'status': 'retrieving manifest'},
                 {'status': 'pushing 111111111111', 'digest': 'sha256:' + D1, 'total': 500, 'completed': 500},
                 {'status': 'pushing manifest'}, {'status': 'success'})


def tags(*items):
    return {'models': [{'name': n, 'model': n, 'digest': d, 'size': 500} for n, d in items]}


def run(args, **kw):
    return run_module(ollama_model, args, **kw)


# ---------------------------------------------------------------------------------------------------------------
# source
# ---------------------------------------------------------------------------------------------------------------

def test_source_pulls_copies_and_deletes(open_url, router):
    router.add('GET', '/api/tags', tags(), tags(('tinyllama:latest', D1), (SRC, D1)), tags(('tinyllama:latest', D1)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    router.add('POST', '/api/copy', FakeResponse(b''))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'insecure': True}, diff=True)
    assert not failed, res
    assert res['changed'] is True and res['name'] == 'tinyllama:latest' and res['source'] == SRC
    assert [(c['method'], c['path']) for c in router.calls] == [
        ('GET', '/api/tags'), ('POST', '/api/pull'), ('POST', '/api/copy'), ('GET', '/api/tags'),
        ('DELETE', '/api/delete'), ('GET', '/api/tags')]
    assert router.calls[1]['body'] == {'model': SRC, 'stream': True, 'insecure': True}
    assert router.calls[2]['body'] == {'source': SRC, 'destination': 'tinyllama:latest'}
    assert router.calls[4]['body'] == {'model': SRC}
    assert res['model'] == {'name': 'tinyllama:latest', 'digest': D1, 'size': 500}
    assert res['msg'].startswith('pulled tinyllama:latest from %s (500 bytes' % SRC)
    assert res['msg'].endswith('presented as tinyllama:latest and %s deleted' % SRC)
    assert res['diff'] == {'before': {'name': 'tinyllama:latest', 'state': 'absent'},
                           'after': {'name': 'tinyllama:latest', 'state': 'present', 'digest': D1}}


def test_source_present_name_installed_is_one_get(open_url, router):
    router.add('GET', '/api/tags', tags(('TinyLlama:latest', D1)))
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'insecure': True})
    assert not failed and res['changed'] is False
    assert router.paths() == ['/api/tags']
    assert res['msg'] == 'tinyllama:latest is already present' and res['source'] == SRC


def test_source_check_mode_pulls_nothing(open_url, router):
    router.add('GET', '/api/tags', tags())
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'insecure': True}, check_mode=True, diff=True)
    assert not failed and res['changed'] is True
    assert router.paths() == ['/api/tags']
    assert res['msg'] == 'tinyllama:latest would be pulled from %s' % SRC
    assert res['diff']['after']['state'] == 'present'


@pytest.mark.parametrize('after_digest, changed', [(D1, False), (D2, True)])
def test_source_latest_reports_a_change_only_when_the_digest_of_name_changes(open_url, router, after_digest,
                                                                             changed):
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1)),
               tags(('tinyllama:latest', after_digest), (SRC, after_digest)),
               tags(('tinyllama:latest', after_digest)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    router.add('POST', '/api/copy', FakeResponse(b''))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'insecure': True, 'state': 'latest'})
    assert not failed, res
    assert res['changed'] is changed and res['model']['digest'] == after_digest
    # the mirror's name is gone again either way
    assert router.paths('DELETE') == ['/api/delete'] and router.calls[-2]['body'] == {'model': SRC}


def test_source_pull_error_names_the_url_and_the_registry_message(open_url, router, no_sleep):
    router.add('GET', '/api/tags', tags())
    router.add('POST', '/api/pull', FakeResponse(ndjson({'status': 'pulling manifest'},
                                                        {'error': 'pull model manifest: file does not exist'})))
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'insecure': True,
                       'url': 'http://admin:pw-secret@127.0.0.1:11434'})
    assert failed
    assert 'pull model %s' % SRC in res['msg'] and 'http://127.0.0.1:11434/api/pull' in res['msg']
    assert 'file does not exist' in res['msg'] and 'pw-secret' not in res['msg']
    assert router.paths('POST') == ['/api/pull'] and router.paths('DELETE') == []


def test_source_copy_that_does_not_show_up_fails_and_keeps_the_source(open_url, router):
    router.add('GET', '/api/tags', tags(), tags((SRC, D1)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    router.add('POST', '/api/copy', FakeResponse(b''))
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'insecure': True})
    assert failed and 'copy of %s to tinyllama:latest reported success' % SRC in res['msg']
    assert router.paths('DELETE') == []


@pytest.mark.parametrize('args, words', [
    ({'name': 'm', 'source': SRC, 'state': 'absent'}, 'source is for state present or latest'),
    ({'name': 'm', 'source': 'registry.ollama.ai/library/m:latest'}, 'are the same model'),
    ({'name': 'm', 'source': 'http://%s' % SRC}, 'set insecure: true'),
    ({'name': 'm', 'source': 'a/b/c/d'}, 'source: invalid model name'),
    ({'name': 'm', 'source': SRC, 'from': 'base'}, 'mutually exclusive'),
    ({'sync': ['m'], 'source': SRC}, 'mutually exclusive'),
])
def test_source_argument_errors_before_any_request(open_url, router, args, words):
    failed, res = run(args)
    assert failed and words in res['msg'], res
    assert router.calls == []


# ---------------------------------------------------------------------------------------------------------------
# push
# ---------------------------------------------------------------------------------------------------------------

PUSH = '127.0.0.1:5000/library/tinyllama:latest'


@pytest.fixture
def registry():
    with mock.patch.object(ollama_model, 'RegistryClient', autospec=True) as cls:
        yield cls


def test_push_skipped_when_the_registry_has_the_same_digest(open_url, router, registry):
    registry.return_value.manifest_digest.return_value = 'sha256:' + D1
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1)))
    failed, res = run({'name': 'tinyllama', 'push': PUSH, 'insecure': True}, diff=True)
    assert not failed and res['changed'] is False, res
    assert router.paths('POST') == []
    assert res['pushed'] == {'name': PUSH, 'digest': 'sha256:' + D1, 'registry_digest': 'sha256:' + D1,
                             'changed': False}
    assert 'nothing pushed' in res['msg']
    # plain http for insecure, the repository and tag of the registry name
    assert registry.call_args[0][1] == 'http://127.0.0.1:5000' and registry.call_args[1]['validate_certs'] is False
    registry.return_value.manifest_digest.assert_called_once_with('library/tinyllama', 'latest')
    assert res['diff']['before']['registry'] == res['diff']['after']['registry']


def test_push_copies_pushes_deletes_the_copy_and_reads_the_digest_back(open_url, router, registry):
    registry.return_value.manifest_digest.side_effect = [None, 'sha256:' + D1]
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1)))
    router.add('POST', '/api/copy', FakeResponse(b''))
    router.add('POST', '/api/push', FakeResponse(PUSH_OK))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'name': 'tinyllama', 'push': PUSH, 'insecure': True})
    assert not failed and res['changed'] is True, res
    assert [(c['method'], c['path']) for c in router.calls][-3:] == [
        ('POST', '/api/copy'), ('POST', '/api/push'), ('DELETE', '/api/delete')]
    assert router.calls[-3]['body'] == {'source': 'tinyllama:latest', 'destination': PUSH}
    assert router.calls[-2]['body'] == {'model': PUSH, 'stream': True, 'insecure': True}
    assert router.calls[-1]['body'] == {'model': PUSH}
    assert res['pushed']['changed'] is True and res['pushed']['registry_digest'] is None
    assert 'pushed tinyllama:latest to %s' % PUSH in res['msg']


def test_push_of_a_model_already_named_like_the_registry_needs_no_copy(open_url, router, registry):
    registry.return_value.manifest_digest.side_effect = ['sha256:' + D2, 'sha256:' + D1]
    router.add('GET', '/api/tags', tags((PUSH, D1)))
    router.add('POST', '/api/push', FakeResponse(PUSH_OK))
    failed, res = run({'name': PUSH, 'push': PUSH, 'insecure': True})
    assert not failed and res['changed'] is True
    assert router.paths('POST') == ['/api/push'] and router.paths('DELETE') == []


def test_push_keeps_a_copy_that_was_there_before(open_url, router, registry):
    registry.return_value.manifest_digest.side_effect = [None, 'sha256:' + D1]
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1), (PUSH, D2)))
    router.add('POST', '/api/copy', FakeResponse(b''))
    router.add('POST', '/api/push', FakeResponse(PUSH_OK))
    failed, res = run({'name': 'tinyllama', 'push': PUSH, 'insecure': True})
    assert not failed and router.paths('DELETE') == []


def test_push_check_mode_sends_nothing(open_url, router, registry):
    registry.return_value.manifest_digest.return_value = None
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1)))
    failed, res = run({'name': 'tinyllama', 'push': PUSH}, check_mode=True)
    assert not failed and res['changed'] is True and res['pushed']['changed'] is True
    assert router.paths('POST') == [] and 'would be pushed' in res['msg']
    assert registry.call_args[0][1] == 'https://127.0.0.1:5000' and registry.call_args[1]['validate_certs'] is True


def test_push_stream_error_fails_with_the_message_and_removes_the_copy(open_url, router, registry):
    registry.return_value.manifest_digest.return_value = None
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1)))
    router.add('POST', '/api/copy', FakeResponse(b''))
    router.add('POST', '/api/push', FakeResponse(ndjson({'status': 'retrieving manifest'},
                                                        {'error': 'http: server gave HTTP response to HTTPS client'})))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'name': 'tinyllama', 'push': PUSH})
    assert failed and 'push model %s' % PUSH in res['msg'] and 'HTTP response to HTTPS client' in res['msg']
    assert 'http://127.0.0.1:11434/api/push' in res['msg']
    assert router.paths('DELETE') == ['/api/delete']


def test_push_digest_mismatch_after_the_push_fails(open_url, router, registry):
    registry.return_value.manifest_digest.side_effect = [None, 'sha256:' + D2]
    router.add('GET', '/api/tags', tags((PUSH, D1)))
    router.add('POST', '/api/push', FakeResponse(PUSH_OK))
    failed, res = run({'name': PUSH, 'push': PUSH, 'insecure': True})
    assert failed and 'has digest sha256:%s' % D2 in res['msg']


def test_push_registry_error_names_the_url_and_status(open_url, router, registry):
    registry.return_value.manifest_digest.side_effect = RegistryError(
        'read manifest library/tinyllama:latest: HEAD http://127.0.0.1:5000/v2/library/tinyllama/manifests/latest '
        'returned HTTP 401 unauthorized', url='http://127.0.0.1:5000/v2/library/tinyllama/manifests/latest',
        status=401)
    router.add('GET', '/api/tags', tags(('tinyllama:latest', D1)))
    failed, res = run({'name': 'tinyllama', 'push': PUSH, 'insecure': True})
    assert failed and 'HTTP 401' in res['msg'] and res['status'] == 401
    assert res['url'].startswith('http://127.0.0.1:5000/v2/') and router.paths('POST') == []


def test_push_pulls_name_first_when_missing(open_url, router, registry):
    registry.return_value.manifest_digest.side_effect = [None, 'sha256:' + D1]
    router.add('GET', '/api/tags', tags(), tags(('tinyllama:latest', D1), (SRC, D1)), tags(('tinyllama:latest', D1)))
    router.add('POST', '/api/pull', FakeResponse(PULL_OK))
    router.add('POST', '/api/copy', FakeResponse(b''))
    router.add('POST', '/api/push', FakeResponse(PUSH_OK))
    router.add('DELETE', '/api/delete', FakeResponse(b''))
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'push': PUSH, 'insecure': True})
    assert not failed and res['changed'] is True, res
    assert router.paths('POST') == ['/api/pull', '/api/copy', '/api/copy', '/api/push']


def test_push_check_mode_of_a_model_that_would_be_pulled(open_url, router, registry):
    router.add('GET', '/api/tags', tags())
    failed, res = run({'name': 'tinyllama', 'source': SRC, 'push': PUSH, 'insecure': True}, check_mode=True)
    assert not failed and res['changed'] is True and res['pushed']['changed'] is True
    registry.assert_not_called()


@pytest.mark.parametrize('args, words', [
    ({'name': 'm', 'push': 'library/m:latest'}, 'names no registry host'),
    ({'name': 'm', 'push': 'h:5000/a/b/c'}, 'push: invalid model name'),
    ({'name': 'm', 'push': PUSH, 'state': 'absent'}, 'push is for state present or latest'),
    ({'sync': ['m'], 'push': PUSH}, 'mutually exclusive'),
])
def test_push_argument_errors_before_any_request(open_url, router, registry, args, words):
    failed, res = run(args)
    assert failed and words in res['msg'], res
    assert router.calls == []
