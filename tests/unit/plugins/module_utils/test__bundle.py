# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_bundle on real files: bundles written by the stand-in registry's fixtures (tests/standin/registry.py
--write-bundle), imported into and exported from real directories, and an import picked up by a running stand-in
server's /api/tags without a restart."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils._bundle import (
    BundleError,
    export_model,
    import_models,
    read_store,
    select,
    verify,
)

from bundle_test_helpers import STANDIN, TINYLLAMA, blob_of, corrupt, fixture_registry, tree, write_bundle


def test_read_store_names_and_digests(bundle, pristine):
    models = read_store(bundle)
    assert [m.display for m in models] == ['acme/tinycoder:1b', 'tinyllama:latest']
    assert dict((m.display, m.digest) for m in models) == pristine[1]
    reg = fixture_registry()
    for model in models:
        doc = json.loads(model.data)
        assert model.size == doc['config']['size'] + sum(x['size'] for x in doc['layers'])
        assert model.data == reg.manifests[(model.name.namespace, model.name.model, model.name.tag)]
    verify(bundle, models)


def test_select_is_case_insensitive_and_names_what_exists(bundle):
    models = read_store(bundle)
    assert [m.display for m in select(models, ['TinyLlama'], bundle)] == ['tinyllama:latest']
    with pytest.raises(BundleError) as info:
        select(models, ['llama3.1:8b'], bundle)
    assert str(info.value) == 'bundle %s has no model llama3.1:8b (it has: acme/tinycoder:1b, tinyllama:latest)' % bundle


def test_missing_blob_message(bundle):
    digest, path = blob_of(bundle, 'config')
    os.unlink(path)
    with pytest.raises(BundleError) as info:
        verify(bundle, read_store(bundle))
    assert str(info.value) == (
        'bundle %s: manifests/registry.ollama.ai/library/tinyllama/latest references %s (config) but blobs/%s is '
        'missing: copy the whole bundle again or export it again' % (bundle, digest, digest.replace(':', '-')))


def test_digest_mismatch_message(bundle):
    digest, path = blob_of(bundle)
    corrupt(path, 1000)
    with pytest.raises(BundleError) as info:
        verify(bundle, read_store(bundle))
    text = str(info.value)
    assert text.startswith('bundle %s: blobs/%s: content hashes to sha256:' % (bundle, digest.replace(':', '-')))
    assert text.endswith(', the manifest says %s: the file is corrupt (copy the whole bundle again or export it '
                         'again)' % digest)
    verify(bundle, read_store(bundle), checksum=False)  # presence and size only: the same size passes


def test_truncated_blob_message(bundle):
    digest, path = blob_of(bundle)
    size = os.path.getsize(path)
    with open(path, 'r+b') as f:
        f.truncate(size - 10)
    with pytest.raises(BundleError) as info:
        verify(bundle, read_store(bundle), checksum=False)
    assert 'blobs/%s: %d bytes, the manifest manifests/registry.ollama.ai/library/tinyllama/latest says %d: the file ' \
           'is truncated or corrupt' % (digest.replace(':', '-'), size - 10, size) in str(info.value)


@pytest.mark.parametrize('damage, fragment', [
    ('nomanifests', 'has no manifests/ directory'),
    ('badjson', 'is not a manifest (not JSON'),
    ('notv2', 'is not a Docker v2 manifest'),
    ('wrongdepth', 'is not at manifests/<host>/<namespace>/<model>/<tag>'),
    ('badname', 'the path is not a model name'),
])
def test_broken_bundles(bundle, damage, fragment):
    manifest = os.path.join(bundle, 'manifests', 'registry.ollama.ai', 'library', 'tinyllama', 'latest')
    if damage == 'nomanifests':
        shutil.rmtree(os.path.join(bundle, 'manifests'))
    elif damage == 'badjson':
        with open(manifest, 'w') as f:
            f.write('{"schemaVersion": 2,')
    elif damage == 'notv2':
        with open(manifest, 'w') as f:
            json.dump({'schemaVersion': 1, 'fsLayers': []}, f)
    elif damage == 'wrongdepth':
        shutil.copy(manifest, os.path.join(bundle, 'manifests', 'registry.ollama.ai', 'library', 'stray'))
    elif damage == 'badname':
        os.rename(os.path.dirname(manifest), os.path.join(os.path.dirname(os.path.dirname(manifest)), 'bad!name'))
    with pytest.raises(BundleError) as info:
        read_store(bundle)
    assert fragment in str(info.value)


def test_import_then_reimport_is_unchanged(bundle, tmp_path):
    models_dir = str(tmp_path / 'models')
    results = import_models(bundle, models_dir)
    assert [(r['name'], r['changed'], r['before']) for r in results] == [
        ('acme/tinycoder:1b', True, None), ('tinyllama:latest', True, None)]
    assert tree(models_dir) == tree(bundle)
    for dirpath, dirnames, filenames in os.walk(models_dir):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o755
        for filename in filenames:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, filename)).st_mode) == 0o644
    mtimes = dict((p, os.stat(os.path.join(models_dir, p)).st_mtime_ns) for p in tree(models_dir))
    again = import_models(bundle, models_dir)
    assert [r['changed'] for r in again] == [False, False]
    assert [r['blobs_copied'] for r in again] == [0, 0]
    assert mtimes == dict((p, os.stat(os.path.join(models_dir, p)).st_mtime_ns) for p in tree(models_dir))


def test_import_only_the_named_model_and_only_missing_blobs(bundle, tmp_path):
    models_dir = str(tmp_path / 'models')
    first = import_models(bundle, models_dir, names=['acme/tinycoder:1b'])
    assert [r['name'] for r in first] == ['acme/tinycoder:1b']
    assert sorted(m.display for m in read_store(models_dir, 'models directory')) == ['acme/tinycoder:1b']
    second = import_models(bundle, models_dir)
    assert [(r['name'], r['changed']) for r in second] == [('acme/tinycoder:1b', False), ('tinyllama:latest', True)]


def test_corrupt_blob_fails_before_any_write(bundle, tmp_path):
    models_dir = tmp_path / 'models'
    models_dir.mkdir()
    dummy, path = blob_of(bundle, 'application/vnd.ollama.image.template')
    with open(path, 'r+b') as f:
        f.write(b'X')
    with pytest.raises(BundleError) as info:
        import_models(bundle, str(models_dir))
    assert 'the file is corrupt' in str(info.value)
    assert tree(str(models_dir)) == {} and os.listdir(str(models_dir)) == []


def test_missing_blob_of_another_model_fails_before_any_write(bundle, tmp_path):
    """Both models are verified before the first file is written, not model by model."""
    models_dir = tmp_path / 'models'
    dummy, path = blob_of(bundle, 'config', key=TINYLLAMA)
    os.unlink(path)
    with pytest.raises(BundleError):
        import_models(bundle, str(models_dir))
    assert not models_dir.exists()


def test_check_mode_writes_nothing(bundle, tmp_path):
    models_dir = tmp_path / 'models'
    results = import_models(bundle, str(models_dir), check_mode=True)
    assert [r['changed'] for r in results] == [True, True]
    assert all(r['blobs_copied'] > 0 for r in results)
    assert not models_dir.exists()


def test_wrong_mode_and_owner_are_repaired(bundle, tmp_path):
    if os.geteuid() != 0:
        pytest.skip('changing owners needs root')
    models_dir = str(tmp_path / 'models')
    import_models(bundle, models_dir)
    digest, dummy = blob_of(bundle)
    target = os.path.join(models_dir, 'blobs', digest.replace(':', '-'))
    os.chmod(target, 0o600)
    results = import_models(bundle, models_dir, uid=65534, gid=65534)
    assert [r['changed'] for r in results] == [True, True]
    assert [r['blobs_copied'] for r in results] == [0, 0]
    for dirpath, dummy, filenames in os.walk(os.path.join(models_dir, 'blobs')):
        for filename in filenames:
            info = os.stat(os.path.join(dirpath, filename))
            assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o644)
    assert [r['changed'] for r in import_models(bundle, models_dir, uid=65534, gid=65534)] == [False, False]


def test_a_changed_model_replaces_its_manifest(tmp_path):
    """The same tag with new content (the stand-in's --bump): new blobs, the manifest replaced, before = old."""
    old = str(tmp_path / 'old')
    new = str(tmp_path / 'new')
    reg = fixture_registry()
    write_bundle(old, [TINYLLAMA], reg)
    reg.bump(TINYLLAMA)
    bumped = write_bundle(new, [TINYLLAMA], reg)['tinyllama:latest']
    models_dir = str(tmp_path / 'models')
    first = import_models(old, models_dir)
    second = import_models(new, models_dir)
    assert second[0]['changed'] and second[0]['before'] == first[0]['digest']
    assert second[0]['digest'] == bumped != first[0]['digest']
    assert [m.digest for m in read_store(models_dir, 'models directory')] == [bumped]


def test_export_then_import_is_bit_for_bit(bundle, tmp_path):
    models_dir = str(tmp_path / 'models')
    import_models(bundle, models_dir)
    exported = str(tmp_path / 'exported')
    results = export_model(models_dir, 'tinyllama', exported)
    assert [(r['name'], r['changed']) for r in results] == [('tinyllama:latest', True)]
    only = str(tmp_path / 'only')
    write_bundle(only, [TINYLLAMA])
    assert tree(exported) == tree(only)
    assert export_model(models_dir, 'tinyllama:latest', exported)[0]['changed'] is False
    elsewhere = str(tmp_path / 'elsewhere')
    import_models(exported, elsewhere)
    assert tree(elsewhere) == tree(only)


def test_export_of_a_missing_model_or_blob(bundle, tmp_path):
    models_dir = str(tmp_path / 'models')
    import_models(bundle, models_dir)
    with pytest.raises(BundleError) as info:
        export_model(models_dir, 'nope:1b', str(tmp_path / 'x'))
    assert 'models directory %s has no model nope:1b' % models_dir in str(info.value)
    digest, dummy = blob_of(bundle)
    os.unlink(os.path.join(models_dir, 'blobs', digest.replace(':', '-')))
    with pytest.raises(BundleError) as info:
        export_model(models_dir, 'tinyllama', str(tmp_path / 'x'))
    assert 'is missing' in str(info.value)
    assert not os.path.exists(str(tmp_path / 'x'))


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


def test_imported_model_is_listed_by_a_running_server(bundle, tmp_path):
    """What upstream does (manifest.Manifests on every /api/tags): the stand-in, started before the import, lists
    the imported model with the bundle's digest, and shows it, without a restart."""
    models_dir = tmp_path / 'models'
    models_dir.mkdir()
    home = tmp_path / 'home'
    home.mkdir()
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('OLLAMA_'))
    env.update(HOME=str(home), OLLAMA_MODELS=str(models_dir), OLLAMA_HOST='127.0.0.1:%d' % port,
               PYTHONPATH=STANDIN, PYTHONDONTWRITEBYTECODE='1')
    proc = subprocess.Popen([sys.executable, '-m', 'ollama_standin', 'serve'], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = 'http://127.0.0.1:%d' % port
        assert _wait(url + '/api/tags')['models'] == []
        results = import_models(bundle, str(models_dir))
        listed = dict((m['name'], m['digest']) for m in _wait(url + '/api/tags')['models'])
        assert listed == dict((r['name'], r['digest'].split(':', 1)[1]) for r in results)
        req = urllib.request.Request(url + '/api/show', data=json.dumps({'model': 'tinyllama'}).encode(),
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())['details']['family'] == 'llama'
    finally:
        proc.terminate()
        proc.wait(10)
