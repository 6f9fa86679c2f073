# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RegistryClient against a real CNCF distribution registry (Debian's docker-registry) on loopback: nothing in the
transport is patched except where a test breaks one request on purpose (a chunk that fails, a run that stops)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import urllib.error
import urllib.request

import pytest
from passlib.hash import bcrypt

from ansible_collections.localllm.ollama.plugins.module_utils import _registry
from ansible_collections.localllm.ollama.plugins.module_utils._registry import (
    MANIFEST_V2,
    RegistryClient,
    RegistryError,
    registry_base_url_error,
)
from ansible_collections.localllm.ollama.tests.support.distribution import Distribution

REPO = 'library/tiny'


def _digest(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


@pytest.fixture
def registry(tmp_path):
    reg = Distribution(tmp_path / 'reg')
    yield reg
    reg.stop()


@pytest.fixture
def auth_registry(tmp_path):
    users = tmp_path / 'htpasswd'
    users.write_text('pusher:%s\n' % bcrypt.using(rounds=4).hash('s3cret-pw'))
    reg = Distribution(tmp_path / 'reg', htpasswd_file=str(users))
    yield reg
    reg.stop()


@pytest.fixture
def blob(tmp_path):
    data = os.urandom(10000)
    path = tmp_path / 'blob'
    path.write_bytes(data)
    return str(path), data, _digest(data)


def _get_blob(reg, repo, digest, auth=None):
    req = urllib.request.Request('%s/v2/%s/blobs/%s' % (reg.url, repo, digest))
    if auth:
        req.add_header('Authorization', 'Basic ' + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


class Recorder(object):
    """Wraps the real open_url, records (method, url, headers) and can break one request on purpose."""

    def __init__(self, monkeypatch):
        self.real = _registry.open_url
        self.calls = []
        self.breaker = None
        monkeypatch.setattr(_registry, 'open_url', self)

    def __call__(self, url, data=None, headers=None, method=None, **kwargs):
        self.calls.append((method, url, dict(headers or {})))
        if self.breaker is not None:
            answer = self.breaker(method, url, data, headers, kwargs)
            if answer is not None:
                raise answer
        return self.real(url, data=data, headers=headers, method=method, **kwargs)

    def patches(self):
        return [c for c in self.calls if c[0] == 'PATCH']


def _manifest(config, layers):
    return json.dumps({
        'schemaVersion': 2, 'mediaType': MANIFEST_V2,
        'config': {'mediaType': 'application/vnd.docker.container.image.v1+json', 'digest': _digest(config),
                   'size': len(config)},
        'layers': [{'mediaType': 'application/vnd.ollama.image.model', 'digest': _digest(d), 'size': len(d)}
                   for d in layers],
    }).encode()


def test_chunked_upload_then_manifest_round_trip(registry, blob, tmp_path):
    path, data, digest = blob
    client = RegistryClient(None, registry.url)
    assert client.ping()
    assert not client.blob_exists(REPO, digest)
    assert client.manifest_digest(REPO, 'latest') is None
    sent = client.upload_blob(REPO, digest, path, chunk_size=3000)
    assert sent == len(data)
    assert client.blob_exists(REPO, digest)
    assert _get_blob(registry, REPO, digest) == data
    config = b'{"model_format":"gguf"}'
    config_path = tmp_path / 'config'
    config_path.write_bytes(config)
    client.upload_blob(REPO, _digest(config), str(config_path))
    manifest = _manifest(config, [data])
    assert client.put_manifest(REPO, 'latest', manifest, MANIFEST_V2) == _digest(manifest)
    assert client.manifest_digest(REPO, 'latest') == _digest(manifest)
    body, digest_back, media_type = client.get_manifest(REPO, 'latest')
    assert body == manifest and digest_back == _digest(manifest) and media_type == MANIFEST_V2


def test_manifest_without_accept_header_is_refused_by_distribution(registry, blob, tmp_path):
    """The fact the client relies on: a manifest GET without Accept gets 400 MANIFEST_INVALID from distribution,
    while manifest_digest (which sends the header) reads it."""
    path, data, digest = blob
    client = RegistryClient(None, registry.url)
    client.upload_blob(REPO, digest, path)
    (tmp_path / 'c').write_bytes(b'{}')
    client.upload_blob(REPO, _digest(b'{}'), str(tmp_path / 'c'))
    manifest = _manifest(b'{}', [data])
    client.put_manifest(REPO, '1b', manifest)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen('%s/v2/%s/manifests/1b' % (registry.url, REPO), timeout=10)
    assert info.value.code == 400 and b'MANIFEST_INVALID' in info.value.read()
    assert client.manifest_digest(REPO, '1b') == _digest(manifest)


def test_failed_chunk_resumes_from_the_registry_range(registry, blob, monkeypatch):
    path, data, digest = blob
    rec = Recorder(monkeypatch)
    state = {'patches': 0}

    def break_third_patch(method, url, body, headers, kwargs):
        if method == 'PATCH':
            state['patches'] += 1
            if state['patches'] == 3:  # fails before a byte is sent: the registry still has 2 chunks
                return urllib.error.URLError(ConnectionResetError(104, 'Connection reset by peer'))
        return None

    rec.breaker = break_third_patch
    client = RegistryClient(None, registry.url)
    client.upload_blob(REPO, digest, path, chunk_size=2500)
    assert client.stats['resumed_from'] == [5000]
    assert client.stats['restarted'] == 0
    methods = [c[0] for c in rec.calls]
    assert methods == ['POST', 'PATCH', 'PATCH', 'PATCH', 'GET', 'PATCH', 'PATCH', 'PUT']
    assert [c[2]['Content-Range'] for c in rec.patches()] == ['0-2499', '2500-4999', '5000-7499', '5000-7499',
                                                              '7500-9999']
    assert _get_blob(registry, REPO, digest) == data


def test_chunk_partly_stored_restarts_the_blob(registry, blob, monkeypatch):
    """distribution cancels an upload whose stored size differs from its signed state (a chunk that broke after
    part of it was written): the client starts that blob again and still completes it."""
    path, data, digest = blob
    rec = Recorder(monkeypatch)
    state = {'patches': 0}

    def store_half_then_fail(method, url, body, headers, kwargs):
        if method == 'PATCH':
            state['patches'] += 1
            if state['patches'] == 2:
                half = body[:len(body) // 2]
                hdrs = dict(headers, **{'Content-Length': str(len(half))})
                rec.real(url, data=half, headers=hdrs, method='PATCH', **kwargs).read()
                return urllib.error.URLError(ConnectionResetError(104, 'Connection reset by peer'))
        return None

    rec.breaker = store_half_then_fail
    client = RegistryClient(None, registry.url)
    client.upload_blob(REPO, digest, path, chunk_size=4000)
    assert client.stats['restarted'] == 1
    assert _get_blob(registry, REPO, digest) == data


class Stop(BaseException):
    """The controller process dies (Ctrl-C, a lost SSH session) in the middle of an upload."""


def test_interrupted_run_resumes_in_the_next_run(registry, blob, monkeypatch, tmp_path):
    path, data, digest = blob
    state_dir = tmp_path / 'state'
    rec = Recorder(monkeypatch)
    count = {'patches': 0}

    def stop_at_third(method, url, body, headers, kwargs):
        if method == 'PATCH':
            count['patches'] += 1
            if count['patches'] == 3:
                return Stop()
        return None

    rec.breaker = stop_at_third
    with pytest.raises(Stop):
        RegistryClient(None, registry.url, state_dir=str(state_dir)).upload_blob(REPO, digest, path, chunk_size=3000)
    assert len(os.listdir(str(state_dir))) == 1
    rec.breaker = None
    rec.calls[:] = []
    again = RegistryClient(None, registry.url, state_dir=str(state_dir))
    sent = again.upload_blob(REPO, digest, path, chunk_size=3000)
    assert again.stats['resumed_from'] == [6000]
    assert sent == len(data) - 6000
    assert [c[0] for c in rec.calls] == ['GET', 'PATCH', 'PATCH', 'PUT']
    assert rec.patches()[0][2]['Content-Range'] == '6000-8999'
    assert _get_blob(registry, REPO, digest) == data
    assert os.listdir(str(state_dir)) == []


def test_stale_state_file_starts_again(registry, blob, tmp_path):
    """An upload URL the registry no longer knows (it was restarted, or the upload was cancelled) is not an
    error: the blob is uploaded from byte 0."""
    path, data, digest = blob
    state_dir = tmp_path / 'state'
    client = RegistryClient(None, registry.url, state_dir=str(state_dir))
    client._save_state(REPO, digest, registry.url + '/v2/library/tiny/blobs/uploads/0000-unknown?_state=x', 3000)
    assert client.upload_blob(REPO, digest, path) == len(data)
    assert client.stats['resumed_from'] == []
    assert _get_blob(registry, REPO, digest) == data


def test_basic_auth(auth_registry, blob):
    path, data, digest = blob
    anonymous = RegistryClient(None, auth_registry.url)
    with pytest.raises(RegistryError) as info:
        anonymous.blob_exists(REPO, digest)
    assert info.value.status == 401
    assert str(info.value).startswith('check blob %s in %s: HEAD %s/v2/%s/blobs/%s returned HTTP 401 '
                                      'authentication required or failed' % (digest, REPO, auth_registry.url, REPO,
                                                                             digest))
    wrong = RegistryClient(None, auth_registry.url, username='pusher', password='wrong-pw')
    with pytest.raises(RegistryError) as info:
        wrong.ping()
    assert 'HTTP 401' in str(info.value) and 'wrong-pw' not in str(info.value)
    good = RegistryClient(None, auth_registry.url, username='pusher', password='s3cret-pw')
    good.upload_blob(REPO, digest, path, chunk_size=4096)
    assert good.blob_exists(REPO, digest)
    assert _get_blob(auth_registry, REPO, digest, auth='pusher:s3cret-pw') == data


def test_digest_mismatch_is_refused_by_the_registry(registry, tmp_path):
    path = tmp_path / 'b'
    path.write_bytes(b'hello')
    client = RegistryClient(None, registry.url)
    with pytest.raises(RegistryError) as info:
        client.upload_blob(REPO, _digest(b'other'), str(path))
    assert 'HTTP 400' in str(info.value) and 'DIGEST_INVALID' in str(info.value)
    assert not client.blob_exists(REPO, _digest(b'other'))


def test_connection_refused_names_the_url(tmp_path):
    reg = Distribution(tmp_path / 'gone')
    url = reg.url
    reg.stop()
    with pytest.raises(RegistryError) as info:
        RegistryClient(None, url).manifest_digest(REPO, 'latest')
    assert str(info.value) == ('read manifest library/tiny:latest: cannot connect to %s/v2/library/tiny/manifests/'
                               'latest: connection refused (is the registry running and listening on this address '
                               'and port?)' % url)


@pytest.mark.parametrize('url, fragment', [
    ('http://mirror:5000/v2', 'has a path, query or fragment'),
    ('https://mirror/library?x=1', 'has a path, query or fragment'),
    ('ftp://mirror', 'must be http://host[:port]'),
    ('https://user:pw@mirror', 'carries user info'),
    ('mirror:5000', 'must be http://host[:port]'),
])
def test_bad_registry_urls(url, fragment):
    message = registry_base_url_error(url)
    assert fragment in message
    assert 'pw@' not in message
    with pytest.raises(RegistryError):
        RegistryClient(None, url)


@pytest.mark.parametrize('url', ['http://127.0.0.1:5000', 'https://mirror.example.com/', 'http://[::1]:5000'])
def test_good_registry_urls(url):
    assert registry_base_url_error(url) is None


def test_repository_names_follow_the_registry_grammar(registry):
    client = RegistryClient(None, registry.url)
    with pytest.raises(RegistryError) as info:
        client.manifest_digest('Library/Tiny', 'latest')
    assert 'lower-case' in str(info.value)
