# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A password in the url option (https://user:password@host) never appears in what a module returns: not in msg,
url, endpoint, connection, the invocation's module_args or a traceback (issue #12, item 14).

The modules run with the REAL exit_json/fail_json here, and the JSON they print is what is checked, because that
is what Ansible shows and logs (the invocation and Ansible's no_log masking are added there)."""

from __future__ import annotations

import json
import urllib.error
from unittest import mock

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.localllm.ollama.plugins.modules import ollama_info, ollama_model, ollama_verify
from ollama_test_helpers import API, http_error

PASSWORD = 'Pa55-w0rd-x7'
ENCODED = 'Pa55%2Dw0rd%40x7'  # percent-encoded userinfo: "Pa55-w0rd@x7" once decoded
URL = 'http://admin:%s@127.0.0.1:11434' % PASSWORD
MASKED = 'http://admin:********@127.0.0.1:11434'
DOWN = 'http://admin:%s@127.0.0.1:9' % PASSWORD  # nothing listens on the discard port


def run_real(module, args, capsys):
    """Run module.main() with the real exit_json/fail_json; returns (failed, the printed result)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            module.main()
    out = capsys.readouterr().out
    return exc.value.code != 0, json.loads(out)


def assert_no_secret(result, *secrets):
    text = json.dumps(result)
    for secret in secrets or (PASSWORD,):
        assert secret not in text, text


# ---------------------------------------------------------------------------------------------------------------
# success paths: the userinfo is basic authentication and is reported without the password
# ---------------------------------------------------------------------------------------------------------------

def test_info_success_with_userinfo(open_url, router, capsys):
    router.add('GET', '/api/version', {'version': '0.32.15'})
    failed, res = run_real(ollama_info, {'url': URL, 'gather': ['version']}, capsys)
    assert not failed, res
    assert res['endpoint'] == 'http://127.0.0.1:11434'
    assert res['invocation']['module_args']['url'] == MASKED
    assert_no_secret(res)
    kwargs = open_url.call_args[1]
    assert kwargs['url_username'] == 'admin' and kwargs['url_password'] == PASSWORD
    assert kwargs['force_basic_auth'] is True


def test_verify_success_connection_info_has_no_secret(open_url, router, capsys):
    router.add('GET', '/api/version', {'version': '0.32.15'})
    router.add('GET', '/', 'Ollama is running')
    failed, res = run_real(ollama_verify, {'url': URL + '/', 'wait_timeout': 0}, capsys)
    assert not failed, res
    assert res['connection']['OLLAMA_BASE_URL'] == 'http://127.0.0.1:11434'
    assert res['connection']['OPENAI_API_BASE'] == 'http://127.0.0.1:11434/v1'
    assert res['connection']['auth'] == 'basic'
    assert res['msg'] == 'all 2 checks passed against http://127.0.0.1:11434'
    assert_no_secret(res)


def test_model_success_with_percent_encoded_userinfo(open_url, router, capsys):
    router.add('GET', '/api/tags', {'models': [{'name': 'm:latest', 'digest': 'd' * 64, 'size': 1}]})
    url = 'http://admin:%s@127.0.0.1:11434' % ENCODED
    failed, res = run_real(ollama_model, {'url': url, 'name': 'm'}, capsys)
    assert not failed, res
    assert open_url.call_args[1]['url_password'] == 'Pa55-w0rd@x7'
    assert_no_secret(res, ENCODED, 'Pa55-w0rd@x7')


# ---------------------------------------------------------------------------------------------------------------
# failure paths
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('module, args', [
    (ollama_info, {}),
    (ollama_model, {'name': 'm'}),
    (ollama_model, {'sync': ['m']}),
    (ollama_verify, {'wait_timeout': 0, 'checks': [{'type': 'models', 'names': ['m']}]}),
], ids=['info', 'model', 'model-sync', 'verify'])
def test_connection_refused_with_userinfo(module, args, capsys):
    failed, res = run_real(module, dict(args, url=DOWN), capsys)
    assert failed
    assert 'connect' in json.dumps(res)
    assert_no_secret(res)


@pytest.mark.parametrize('module, args, method, path', [
    (ollama_info, {'gather': ['models']}, 'GET', '/api/tags'),
    (ollama_model, {'name': 'm', 'retries': 0}, 'GET', '/api/tags'),
    (ollama_verify, {'wait_timeout': 0, 'checks': [{'type': 'version'}]}, 'GET', '/api/version'),
], ids=['info', 'model', 'verify'])
def test_http_error_with_userinfo(open_url, router, capsys, module, args, method, path):
    # the server's own message may quote a URL with credentials too
    router.add(method, path, http_error(500, {'error': 'upstream http://svc:%s@10.0.0.5/ failed' % PASSWORD}))
    failed, res = run_real(module, dict(args, url=URL), capsys)
    assert failed, res
    assert 'HTTP 500' in json.dumps(res)
    assert_no_secret(res)
    if 'url' in res:
        assert res['url'] == 'http://127.0.0.1:11434' + path


def test_pull_failure_with_userinfo(open_url, router, capsys):
    router.add('GET', '/api/tags', {'models': []})
    router.add('POST', '/api/pull', http_error(404, {'error': 'pull model manifest: file does not exist'}))
    failed, res = run_real(ollama_model, {'url': URL, 'name': 'nope', 'retries': 0}, capsys)
    assert failed and res['url'] == 'http://127.0.0.1:11434/api/pull' and res['status'] == 404
    assert_no_secret(res)


@pytest.mark.parametrize('url, extra, words', [
    ('ftp://admin:%s@127.0.0.1' % PASSWORD, {}, 'http:// or https://'),
    (URL, {'api_key': 'another-secret-key'}, 'api_key is set too'),
    (URL, {'url_username': 'u', 'url_password': 'other-secret-pw'}, 'url_username is set too'),
])
@pytest.mark.parametrize('module, args', [
    (ollama_info, {}),
    (ollama_model, {'name': 'm'}),
    (ollama_verify, {'wait_timeout': 0}),
], ids=['info', 'model', 'verify'])
def test_invalid_userinfo_url_is_refused_without_the_secret(capsys, module, args, url, extra, words):
    failed, res = run_real(module, dict(args, url=url, **extra), capsys)
    assert failed and words in res['msg'], res
    assert 'admin:********@' in res['msg']
    assert_no_secret(res, PASSWORD, 'another-secret-key', 'other-secret-pw')


def test_unexpected_error_traceback_is_masked(capsys):
    boom = RuntimeError('boom while opening %s/api/tags' % URL)
    with mock.patch(API + '.open_url', side_effect=boom):
        failed, res = run_real(ollama_info, {'url': URL}, capsys)
    assert failed and 'unexpected error' in res['msg']
    assert_no_secret(res)


def test_token_in_the_user_name_slot_is_masked(open_url, router, capsys):
    router.add('GET', '/api/version', http_error(401, b''))
    token = 'tok-1234567890abcdef'
    failed, res = run_real(ollama_info, {'url': 'http://%s@127.0.0.1:11434' % token, 'gather': ['version']},
                           capsys)
    assert failed and 'HTTP 401' in res['msg']
    assert res['invocation']['module_args']['url'] == 'http://********@127.0.0.1:11434'
    assert_no_secret(res, token)


def test_no_log_on_the_secret_options():
    from ansible_collections.localllm.ollama.plugins.module_utils._api import ollama_argument_spec
    spec = ollama_argument_spec()
    assert spec['api_key']['no_log'] is True and spec['url_password']['no_log'] is True
    # url itself stays visible (it is not a secret); its password is masked through no_log_values instead
    assert not spec['url'].get('no_log')


def test_down_server_error_names_the_endpoint_without_userinfo(capsys):
    failed, res = run_real(ollama_info, {'url': DOWN, 'gather': ['version']}, capsys)
    assert failed
    assert 'http://127.0.0.1:9/api/version' in res['msg']
    assert res['url'] == 'http://127.0.0.1:9/api/version'


def test_url_error_from_urllib_is_masked(open_url, router, capsys):
    router.add('GET', '/api/tags', urllib.error.URLError('bad thing at %s' % URL))
    failed, res = run_real(ollama_info, {'url': URL, 'gather': ['models']}, capsys)
    assert failed
    assert_no_secret(res)
