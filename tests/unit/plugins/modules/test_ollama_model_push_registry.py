# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""localllm.ollama.ollama_model `source` + `push` end to end on loopback (issue 14): the stand-in server pulls from
the stand-in registry (the "upstream") and pushes into a real CNCF distribution registry (Debian's docker-registry,
tests/support/distribution.py), the way a site mirror is seeded from a connected host. Nothing is mocked."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ansible_collections.localllm.ollama.plugins.modules import ollama_model
from ollama_test_helpers import run_module

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
STANDIN = os.path.join(REPO, 'tests', 'standin')
sys.path.insert(0, REPO)
from tests.support.distribution import Distribution  # noqa: E402  pylint: disable=wrong-import-position

ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _wait(url, proc):
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError('%s did not answer' % url)
            time.sleep(0.1)


@pytest.fixture
def stack(tmp_path):
    """(stand-in server URL, stand-in registry host:port, distribution) on loopback."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith('OLLAMA_') and k.lower() not in ('http_proxy', 'https_proxy', 'no_proxy'))
    procs = []
    reg_port, srv_port = _free_port(), _free_port()
    procs.append(subprocess.Popen([sys.executable, os.path.join(STANDIN, 'registry.py'), '--host', '127.0.0.1',
                                   '--port', str(reg_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    home = tmp_path / 'home'
    home.mkdir()
    env.update(HOME=str(home), OLLAMA_MODELS=str(tmp_path / 'models'), OLLAMA_HOST='127.0.0.1:%d' % srv_port,
               OLLAMA_STANDIN_VERSION='0.32.15', PYTHONPATH=STANDIN, PYTHONDONTWRITEBYTECODE='1')
    procs.append(subprocess.Popen([sys.executable, '-m', 'ollama_standin', 'serve'], env=env, cwd=STANDIN,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    dist = Distribution(tmp_path / 'dist')
    try:
        _wait('http://127.0.0.1:%d/v2/' % reg_port, procs[0])
        _wait('http://127.0.0.1:%d/api/version' % srv_port, procs[1])
        yield 'http://127.0.0.1:%d' % srv_port, '127.0.0.1:%d' % reg_port, dist
    finally:
        dist.stop()
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def _names(url):
    with urllib.request.urlopen(url + '/api/tags', timeout=10) as r:
        return {m['name']: m['digest'] for m in json.loads(r.read())['models']}


def _registry_digest(dist, repository, tag):
    req = urllib.request.Request('%s/v2/%s/manifests/%s' % (dist.url, repository, tag), method='HEAD',
                                 headers={'Accept': ACCEPT})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers['Docker-Content-Digest']


def test_pull_through_source_then_push_to_a_registry_once(stack):
    url, upstream, dist = stack
    source = '%s/library/tinyllama:latest' % upstream
    target = '%s/library/tinyllama:latest' % dist.url.split('://', 1)[1]
    args = {'url': url, 'name': 'tinyllama', 'source': source, 'push': target, 'insecure': True}

    failed, res = run_module(ollama_model, dict(args), check_mode=True)
    assert not failed and res['changed'] is True and res['pushed']['changed'] is True, res
    assert _names(url) == {}

    failed, res = run_module(ollama_model, dict(args))
    assert not failed and res['changed'] is True, res
    installed = _names(url)
    # presented by the short name only: neither the source nor the push copy is left behind
    assert list(installed) == ['tinyllama:latest'], installed
    assert res['pushed']['changed'] is True and res['pushed']['registry_digest'] is None
    assert _registry_digest(dist, 'library/tinyllama', 'latest') == 'sha256:' + installed['tinyllama:latest']

    # second run: the model is there and the registry has the same digest: nothing pulled, nothing pushed
    failed, res = run_module(ollama_model, dict(args))
    assert not failed and res['changed'] is False, res
    assert res['pushed'] == {'name': target, 'digest': 'sha256:' + installed['tinyllama:latest'],
                             'registry_digest': 'sha256:' + installed['tinyllama:latest'], 'changed': False}
    assert 'bytes' not in res and list(_names(url)) == ['tinyllama:latest']


def test_push_without_insecure_to_an_http_registry_fails_with_the_url(stack):
    url, upstream, dist = stack
    failed, res = run_module(ollama_model, {'url': url, 'name': 'tinyllama', 'insecure': True,
                                            'source': '%s/library/tinyllama:latest' % upstream})
    assert not failed, res
    target = '%s/library/tinyllama:latest' % dist.url.split('://', 1)[1]
    failed, res = run_module(ollama_model, {'url': url, 'name': 'tinyllama', 'push': target})
    # the digest check goes to https://, which a plain-HTTP registry does not speak
    assert failed and 'https://%s' % target.split('/', 1)[0] in res['msg'], res
    assert list(_names(url)) == ['tinyllama:latest']
