# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import urllib.error

from ansible_collections.localllm.ollama.plugins.modules import ollama_info
from ollama_test_helpers import http_error, run_module

TAGS = {'models': [{
    'name': 'llama3.2:latest', 'model': 'llama3.2:latest', 'modified_at': '2026-11-20T10:11:12+00:00',
    'size': 2019393189, 'digest': 'a' * 64,
    'details': {'format': 'gguf', 'family': 'llama', 'families': ['llama'], 'parameter_size': '3.2B',
                'quantization_level': 'Q4_K_M'}}]}
PS = {'models': [{'name': 'llama3.2:latest', 'model': 'llama3.2:latest', 'size': 3055122432, 'digest': 'a' * 64,
                  'expires_at': '2026-11-20T10:16:12+00:00', 'size_vram': 0, 'context_length': 4096}]}


def test_info_all(open_url, router):
    router.add('GET', '/api/version', {'version': '0.32.15'})
    router.add('GET', '/api/tags', TAGS)
    router.add('GET', '/api/ps', PS)
    failed, res = run_module(ollama_info, {}, check_mode=True)
    assert not failed, res
    assert res['changed'] is False
    assert res['endpoint'] == 'http://127.0.0.1:11434'
    assert res['version'] == '0.32.15'
    assert res['models'] == [{'name': 'llama3.2:latest', 'digest': 'a' * 64, 'size': 2019393189, 'family': 'llama',
                              'parameter_size': '3.2B', 'quantization_level': 'Q4_K_M',
                              'modified_at': '2026-11-20T10:11:12+00:00'}]
    assert res['running'] == [{'name': 'llama3.2:latest', 'digest': 'a' * 64, 'size': 3055122432, 'size_vram': 0,
                               'context_length': 4096, 'expires_at': '2026-11-20T10:16:12+00:00'}]
    assert all(c['method'] == 'GET' for c in router.calls)


def test_info_gather_subset_and_missing_fields(open_url, router):
    router.add('GET', '/api/tags', {'models': [{'model': 'x:1'}]})
    router.base = 'https://gw.example/ollama'
    failed, res = run_module(ollama_info, {'gather': ['models'], 'url': 'https://gw.example/ollama/'})
    assert not failed
    assert res['endpoint'] == 'https://gw.example/ollama'
    assert res['models'][0]['name'] == 'x:1' and res['models'][0]['family'] is None
    assert 'version' not in res and 'running' not in res


def test_info_api_error(open_url, router):
    router.add('GET', '/api/version', http_error(401, b'Unauthorized'))
    failed, res = run_module(ollama_info, {'url_username': 'u', 'url_password': 'wrong'})
    assert failed and res['status'] == 401
    assert 'HTTP 401 authentication required or failed' in res['msg']


def test_info_connection_error(open_url, router):
    router.add('GET', '/api/version', urllib.error.URLError(ConnectionRefusedError(111, 'refused')))
    failed, res = run_module(ollama_info, {})
    assert failed and 'cannot connect to http://127.0.0.1:11434/api/version' in res['msg']


def test_info_bad_url_and_unexpected(open_url, router):
    failed, res = run_module(ollama_info, {'url': 'ftp://x'})
    assert failed and 'http:// or https://' in res['msg']
    router.add('GET', '/api/version', {'version': '1'})
    router.add('GET', '/api/tags', {'models': ['not-a-dict']})
    failed, res = run_module(ollama_info, {'gather': ['version', 'models']})
    assert failed and res['msg'].startswith('unexpected error') and 'exception' in res
