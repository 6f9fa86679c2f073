# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ollama_registry_model against a real CNCF distribution registry (Debian's docker-registry) on loopback, with
bundles of the stand-in registry's fixture models; at the end a stand-in Ollama server pulls the uploaded model
through the registry's redirect to a blob host, as servers pull from a site mirror."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from passlib.hash import bcrypt

from ansible_collections.localllm.ollama.plugins.modules import ollama_registry_model
from ansible_collections.localllm.ollama.tests.support.distribution import Distribution
from bundle_test_helpers import STANDIN, TINYCODER, TINYLLAMA, blob_of, corrupt, fixture_registry, write_bundle
from ollama_test_helpers import run_module

ACCEPT = {'Accept': 'application/vnd.docker.distribution.manifest.v2+json'}


@pytest.fixture
def registry(tmp_path):
    reg = Distribution(tmp_path / 'reg')
    yield reg
    reg.stop()


def run(args, **kw):
    args = dict(args)
    args.setdefault('state_dir', os.path.join(os.path.dirname(args['path']), 'upload-state'))
    return run_module(ollama_registry_model, args, **kw)


def repositories(reg):
    """What the registry stores: repository names (its storage directory), without asking it."""
    root = os.path.join(reg.root, 'docker', 'registry', 'v2', 'repositories')
    found = []
    for dirpath, dirnames, dummy in os.walk(root):
        if '_manifests' in dirnames:
            found.append(os.path.relpath(dirpath, root))
            dirnames[:] = []
    return sorted(found)


def blob_count(reg):
    root = os.path.join(reg.root, 'docker', 'registry', 'v2', 'blobs')
    return sum(len(files) for dummy, dummy2, files in os.walk(root))


def manifest_of(reg, repository, tag):
    req = urllib.request.Request('%s/v2/%s/manifests/%s' % (reg.url, repository, tag), headers=ACCEPT)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


def test_upload_check_mode_then_real_then_unchanged(bundle, registry, pristine):
    args = {'registry_url': registry.url, 'path': bundle, 'chunk_size': 300000}
    failed, result = run(args, check_mode=True, diff=True)
    assert not failed and result['changed'] is True, result
    assert repositories(registry) == [] and blob_count(registry) == 0
    assert [(m['repository'], m['reference'], m['blobs_uploaded']) for m in result['models']] == [
        ('acme/tinycoder', '1b', 4), ('library/tinyllama', 'latest', 5)]
    assert result['diff']['before'] == 'acme/tinycoder:1b absent\nlibrary/tinyllama:latest absent\n'

    failed, result = run(args, diff=True)
    assert not failed and result['changed'] is True, result
    assert repositories(registry) == ['acme/tinycoder', 'library/tinyllama']
    reg = fixture_registry()
    assert manifest_of(registry, 'library/tinyllama', 'latest') == reg.manifests[TINYLLAMA]
    assert manifest_of(registry, 'acme/tinycoder', '1b') == reg.manifests[TINYCODER]
    by_name = dict((m['name'], m) for m in result['models'])
    assert by_name['tinyllama:latest']['digest'] == pristine[1]['tinyllama:latest']
    assert by_name['tinyllama:latest']['pull_name'] == '%s/library/tinyllama:latest' % registry.url.split('//')[1]
    assert by_name['tinyllama:latest']['bytes_uploaded'] == by_name['tinyllama:latest']['size']

    failed, result = run(args, diff=True)
    assert not failed and result['changed'] is False and 'diff' not in result
    assert [m['bytes_uploaded'] for m in result['models']] == [0, 0]
    assert [m['before'] for m in result['models']] == [m['digest'] for m in result['models']]


def test_a_new_revision_uploads_only_the_changed_blobs(registry, tmp_path):
    reg = fixture_registry()
    old = str(tmp_path / 'old')
    write_bundle(old, [TINYLLAMA], reg)
    assert not run({'registry_url': registry.url, 'path': old})[0]
    reg.bump(TINYLLAMA)
    new = str(tmp_path / 'new')
    write_bundle(new, [TINYLLAMA], reg)
    failed, result = run({'registry_url': registry.url, 'path': new})
    assert not failed and result['changed'] is True
    model = result['models'][0]
    # the model layer and the config changed; template, license and params are the same blobs
    assert model['blobs_uploaded'] == 2
    assert manifest_of(registry, 'library/tinyllama', 'latest') == reg.manifests[TINYLLAMA]


def test_missing_blob_fails_before_any_upload(bundle, registry):
    digest, path = blob_of(bundle, 'config', key=TINYCODER)
    os.unlink(path)
    failed, result = run({'registry_url': registry.url, 'path': bundle})
    assert failed
    assert 'manifests/registry.ollama.ai/acme/tinycoder/1b references %s (config) but blobs/%s is missing: copy ' \
           'the whole bundle again or export it again' % (digest, digest.replace(':', '-')) in result['msg']
    assert repositories(registry) == [] and blob_count(registry) == 0


def test_digest_mismatch_fails_before_any_request(bundle, tmp_path):
    """The bundle is checked before the registry is contacted: a registry that does not even answer does not
    hide the bundle's problem."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    digest, path = blob_of(bundle)
    corrupt(path)
    failed, result = run({'registry_url': 'http://127.0.0.1:%d' % port, 'path': bundle})
    assert failed and 'content hashes to' in result['msg'] and 'the manifest says %s' % digest in result['msg']


def test_one_model_under_another_repository(bundle, registry):
    failed, result = run({'registry_url': registry.url, 'path': bundle, 'name': 'tinyllama',
                          'repository': 'site/tiny'})
    assert not failed, result
    assert repositories(registry) == ['site/tiny']
    assert result['models'][0]['pull_name'].endswith('/site/tiny:latest')
    failed, result = run({'registry_url': registry.url, 'path': bundle, 'repository': 'site/tiny'})
    assert failed and 'has 2 models' in result['msg'] and 'choose one with name' in result['msg']
    failed, result = run({'registry_url': registry.url, 'path': bundle, 'name': 'tinyllama',
                          'repository': 'Site/Tiny'})
    assert failed and 'lower-case' in result['msg']


@pytest.mark.parametrize('url', ['http://mirror:5000/v2/', 'https://mirror/library', 'https://mirror?x=1'])
def test_registry_url_with_a_path(bundle, url):
    failed, result = run({'registry_url': url, 'path': bundle})
    assert failed and 'has a path, query or fragment' in result['msg'] and 'scheme://host[:port]' in result['msg']


def test_basic_auth(bundle, tmp_path):
    users = tmp_path / 'htpasswd'
    users.write_text('seeder:%s\n' % bcrypt.using(rounds=4).hash('push-secret'))
    reg = Distribution(tmp_path / 'authreg', htpasswd_file=str(users))
    try:
        failed, result = run({'registry_url': reg.url, 'path': bundle, 'name': 'tinyllama'})
        assert failed and result['status'] == 401
        assert result['msg'] == ('read manifest library/tinyllama:latest: HEAD %s/v2/library/tinyllama/manifests/latest '
                                 'returned HTTP 401 authentication required or failed (check url_username/url_password)'
                                 % reg.url)
        failed, result = run({'registry_url': reg.url, 'path': bundle, 'name': 'tinyllama', 'url_username': 'seeder',
                              'url_password': 'wrong'})
        assert failed and 'HTTP 401' in result['msg']
        failed, result = run({'registry_url': reg.url, 'path': bundle, 'url_username': 'seeder',
                              'url_password': 'push-secret'})
        assert not failed and result['changed'] is True
        assert 'push-secret' not in json.dumps(result)
    finally:
        reg.stop()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _wait(url, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return json.loads(resp.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _has_files_mode():
    out = subprocess.run([sys.executable, os.path.join(STANDIN, 'registry.py'), '--help'], stdout=subprocess.PIPE,
                         text=True, check=False).stdout
    return '--files' in out


def test_servers_pull_what_was_uploaded(bundle, tmp_path, pristine):
    """The whole path of a site mirror: upload into distribution, whose redirect middleware sends blob GETs to a
    blob host under another host name (the stand-in's --files server on its storage), and a stand-in Ollama server
    pulls <registry>/library/tinyllama:latest with the bundle's digest."""
    if not _has_files_mode():
        pytest.skip('tests/standin/registry.py has no --files blob host in this tree')
    files_port = _free_port()
    reg = Distribution(tmp_path / 'mirror', redirect_baseurl='http://localhost:%d' % files_port)
    procs = []
    try:
        procs.append(subprocess.Popen([sys.executable, os.path.join(STANDIN, 'registry.py'), '--host', '127.0.0.1',
                                       '--port', str(files_port), '--files', reg.root],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait('http://127.0.0.1:%d/standin/stats' % files_port)
        failed, result = run({'registry_url': reg.url, 'path': bundle, 'name': 'tinyllama'})
        assert not failed, result
        port = _free_port()
        home = tmp_path / 'home'
        home.mkdir()
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith('OLLAMA_') and 'proxy' not in k.lower())
        env.update(HOME=str(home), OLLAMA_MODELS=str(tmp_path / 'models'), OLLAMA_HOST='127.0.0.1:%d' % port,
                   PYTHONPATH=STANDIN, PYTHONDONTWRITEBYTECODE='1')
        procs.append(subprocess.Popen([sys.executable, '-m', 'ollama_standin', 'serve'], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        url = 'http://127.0.0.1:%d' % port
        _wait(url + '/api/tags')
        name = result['models'][0]['pull_name']
        req = urllib.request.Request(url + '/api/pull', data=json.dumps({'model': name, 'insecure': True,
                                                                         'stream': False}).encode(),
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=60) as resp:
            assert json.loads(resp.read())['status'] == 'success'
        listed = dict((m['name'], m['digest']) for m in _wait(url + '/api/tags')['models'])
        assert listed == {name: pristine[1]['tinyllama:latest'].split(':', 1)[1]}
        # blobs the registry has answer HEAD with the redirect to the blob host: present, not uploaded again
        fixtures = fixture_registry()
        fixtures.bump(TINYLLAMA)
        write_bundle(str(tmp_path / 'bumped'), [TINYLLAMA], fixtures)
        failed, result = run({'registry_url': reg.url, 'path': str(tmp_path / 'bumped')})
        assert not failed and result['models'][0]['blobs_uploaded'] == 2, result
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        reg.stop()
