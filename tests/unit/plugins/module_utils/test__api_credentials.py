# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials never leave their origin and never appear in a message (issue #12, items 5 and 14).

These tests use real HTTP servers on 127.0.0.1 (two ports = two origins) and the real open_url."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils import _api
from ansible_collections.localllm.ollama.plugins.module_utils._api import OllamaApiError, OllamaClient
from local_http import Recorder

KEY = 'tok-7d1f0c'
PASSWORD = 's3cret-pw'


@pytest.fixture
def origin_a():
    server = Recorder()
    yield server
    server.close()


@pytest.fixture
def origin_b():
    server = Recorder()
    yield server
    server.close()


def _basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


# ---------------------------------------------------------------------------------------------------------------
# item 5: redirects
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('auth', [dict(api_key=KEY), dict(url_username='admin', url_password=PASSWORD)],
                         ids=['bearer', 'basic'])
def test_cross_origin_redirect_does_not_receive_the_credentials(origin_a, origin_b, auth):
    origin_a.redirect('GET', '/api/tags', origin_b.url + '/api/tags')
    origin_b.route('GET', '/api/tags', body={'models': []})
    error = None
    try:
        OllamaClient(url=origin_a.url, **auth).tags()
    except OllamaApiError as e:
        error = e
    # the other origin got nothing at all: not the key, not the password, not even a request
    assert origin_b.authorizations() == []
    assert origin_a.authorizations() == ['Bearer %s' % KEY if 'api_key' in auth else _basic('admin', PASSWORD)]
    assert error is not None, 'the redirect to another origin was followed'
    text = str(error)
    assert origin_a.url + '/api/tags' in text and origin_b.url + '/api/tags' in text
    assert 'another origin' in text and 'HTTP 302' in text
    assert error.status == 302
    assert KEY not in text and PASSWORD not in text


def test_https_to_http_downgrade_on_the_same_host_and_port_is_another_origin(origin_a):
    origin_a.redirect('GET', '/api/version', 'https://127.0.0.1:%d/api/version' % origin_a.port, status=301)
    with pytest.raises(OllamaApiError, match='another origin'):
        OllamaClient(url=origin_a.url, api_key=KEY).version()
    assert len(origin_a.requests) == 1
    assert _api.url_origin('https://gw.example/x') != _api.url_origin('http://gw.example/x')
    assert _api.url_origin('https://GW.example:443/x') == _api.url_origin('https://gw.example/y')
    assert _api.url_origin('http://gw.example/x') == _api.url_origin('http://gw.example:80/')


def test_same_origin_redirect_keeps_the_credentials(origin_a):
    origin_a.redirect('GET', '/api/tags', '/real/api/tags', status=307)
    origin_a.route('GET', '/real/api/tags', body={'models': [{'name': 'm:latest'}]})
    assert OllamaClient(url=origin_a.url, api_key=KEY).tags() == [{'name': 'm:latest'}]
    assert origin_a.authorizations() == ['Bearer %s' % KEY] * 2


def test_cross_origin_redirect_without_credentials_is_followed(origin_a, origin_b):
    origin_a.redirect('GET', '/api/version', origin_b.url + '/api/version')
    origin_b.route('GET', '/api/version', body={'version': '0.32.15'})
    assert OllamaClient(url=origin_a.url).version() == '0.32.15'
    assert origin_b.authorizations() == [None]


def test_auth_check_without_credentials_follows_and_sends_none(origin_a, origin_b):
    # raw(..., auth=False) is ollama_verify's "auth" check: no credentials, so a redirect may be followed
    origin_a.redirect('GET', '/api/tags', origin_b.url + '/api/tags')
    origin_b.route('GET', '/api/tags', status=401, body={'error': 'unauthorized'})
    res = OllamaClient(url=origin_a.url, api_key=KEY).raw('GET', '/api/tags', auth=False)
    assert res['status'] == 401
    assert origin_a.authorizations() == [None] and origin_b.authorizations() == [None]


def test_post_is_never_redirected(origin_a, origin_b):
    origin_a.redirect('POST', '/api/show', origin_b.url + '/api/show', status=307)
    with pytest.raises(OllamaApiError, match='only GET and HEAD') as err:
        OllamaClient(url=origin_a.url).show('m')
    assert origin_b.requests == [] and err.value.status == 307


def test_redirect_loop_and_bad_scheme_stop(origin_a):
    origin_a.redirect('GET', '/api/tags', '/api/tags')
    with pytest.raises(OllamaApiError, match='more than 10 redirects'):
        OllamaClient(url=origin_a.url, api_key=KEY).tags()
    assert len(origin_a.requests) == 11
    origin_a.redirect('GET', '/api/ps', 'file:///etc/passwd')
    with pytest.raises(OllamaApiError):
        OllamaClient(url=origin_a.url).ps()


def test_userinfo_in_a_location_is_never_used(origin_a):
    origin_a.redirect('GET', '/api/tags', 'http://evil:pw@127.0.0.1:%d/x' % origin_a.port)
    origin_a.route('GET', '/x', body={'models': []})
    assert OllamaClient(url=origin_a.url).tags() == []
    assert origin_a.authorizations() == [None, None]


# ---------------------------------------------------------------------------------------------------------------
# item 14: userinfo in url
# ---------------------------------------------------------------------------------------------------------------

def test_userinfo_is_basic_auth_and_is_taken_out_of_the_base_url(origin_a):
    origin_a.route('GET', '/api/version', body={'version': '1.2.3'})
    c = OllamaClient(url='http://admin:%s@127.0.0.1:%d/' % (PASSWORD, origin_a.port))
    assert c.version() == '1.2.3'
    assert origin_a.authorizations() == [_basic('admin', PASSWORD)]
    assert c.base_url == origin_a.url
    info = c.connection_info()
    assert info['auth'] == 'basic' and PASSWORD not in repr(info) and info['OLLAMA_BASE_URL'] == origin_a.url


def test_percent_encoded_userinfo_is_decoded_like_open_url_does(origin_a):
    origin_a.route('GET', '/api/version', body={'version': '1'})
    OllamaClient(url='http://ad%%40min:p%%3Aw%%40rd@127.0.0.1:%d' % origin_a.port).version()
    assert origin_a.authorizations() == [_basic('ad@min', 'p:w@rd')]


def test_userinfo_url_errors_carry_no_secret(origin_a):
    origin_a.route('GET', '/api/tags', status=500, body={'error': 'boom at http://x:%s@internal/' % PASSWORD})
    with pytest.raises(OllamaApiError) as err:
        OllamaClient(url='http://admin:%s@127.0.0.1:%d' % (PASSWORD, origin_a.port)).tags()
    assert PASSWORD not in str(err.value) and PASSWORD not in err.value.url
    assert err.value.url == origin_a.url + '/api/tags'
    assert 'http://x:********@internal/' in str(err.value)


def test_userinfo_connection_error_carries_no_secret():
    with pytest.raises(OllamaApiError, match='cannot connect') as err:
        OllamaClient(url='http://admin:%s@127.0.0.1:9' % PASSWORD, timeout=2).version()
    assert PASSWORD not in str(err.value)


@pytest.mark.parametrize('kwargs, words', [
    (dict(url='ftp://admin:%s@h' % PASSWORD), 'http:// or https://'),
    (dict(url='https://admin:%s@h' % PASSWORD, api_key=KEY), 'api_key is set too'),
    (dict(url='https://admin:%s@h' % PASSWORD, url_username='u', url_password='p'), 'url_username is set too'),
    (dict(url='https://:%s@h' % PASSWORD), 'no user name'),
])
def test_invalid_userinfo_urls_are_refused_without_echoing_the_password(kwargs, words):
    with pytest.raises(ValueError, match=words) as err:
        OllamaClient(**kwargs)
    assert PASSWORD not in str(err.value) and '********' in str(err.value)


@pytest.mark.parametrize('url, redacted', [
    ('https://u:p@h:8443/x?y=1', 'https://u:********@h:8443/x?y=1'),
    ('https://tok@h/', 'https://********@h/'),
    ('https://h/a@b', 'https://h/a@b'),
    ('http://127.0.0.1:11434', 'http://127.0.0.1:11434'),
    ('https://u:p%40ss@h', 'https://u:********@h'),
    (None, None),
])
def test_redact_url(url, redacted):
    assert _api.redact_url(url) == redacted


def test_redact_text_split_and_secrets():
    assert _api.redact_text('GET https://u:pw@a/x then http://tok@b/') == 'GET https://u:********@a/x then http://********@b/'
    assert _api.redact_text('no url here: a@b') == 'no url here: a@b'
    assert _api.split_url_credentials('https://u:p%40ss@h:1/x') == ('https://h:1/x', 'u', 'p@ss')
    assert _api.split_url_credentials('https://h/x') == ('https://h/x', None, None)
    assert _api.url_secrets('https://u:p%40ss@h') == {'p%40ss', 'p@ss'}
    assert _api.url_secrets('https://tok@h') == {'tok'}
    assert _api.url_secrets('https://h') == set()
