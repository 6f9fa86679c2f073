# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ollama_model_bundle on real directories: bundles of the stand-in registry's fixture models."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.localllm.ollama.plugins.modules import ollama_model_bundle
from bundle_test_helpers import TINYCODER, TINYLLAMA, blob_of, corrupt, tree, write_bundle
from ollama_test_helpers import run_module


def run(args, **kw):
    return run_module(ollama_model_bundle, args, **kw)


def test_verified(bundle, pristine):
    failed, result = run({'state': 'verified', 'path': bundle})
    assert not failed and result['changed'] is False
    assert dict((m['name'], m['digest']) for m in result['models']) == pristine[1]
    failed, result = run({'state': 'verified', 'path': bundle, 'name': 'acme/tinycoder:1b'})
    assert [m['name'] for m in result['models']] == ['acme/tinycoder:1b']


def test_verified_reports_a_corrupt_blob(bundle):
    digest, path = blob_of(bundle)
    corrupt(path)
    failed, result = run({'state': 'verified', 'path': bundle})
    assert failed
    assert 'blobs/%s: content hashes to' % digest.replace(':', '-') in result['msg']
    assert 'the file is corrupt' in result['msg']
    failed, result = run({'state': 'verified', 'path': bundle, 'checksum': False})
    assert not failed


def test_imported_check_mode_diff_then_real_then_unchanged(bundle, tmp_path, pristine):
    models_dir = str(tmp_path / 'models')
    args = {'state': 'imported', 'path': bundle, 'models_dir': models_dir}
    failed, result = run(args, check_mode=True, diff=True)
    assert not failed and result['changed'] is True
    assert not os.path.exists(models_dir)
    assert result['diff']['before'] == 'acme/tinycoder:1b: absent\ntinyllama:latest: absent\n'
    assert result['diff']['after'] == ''.join('%s: %s\n' % item for item in sorted(pristine[1].items()))
    failed, result = run(args, diff=True)
    assert not failed and result['changed'] is True
    assert tree(models_dir) == tree(bundle)
    failed, result = run(args, diff=True)
    assert not failed and result['changed'] is False and 'diff' not in result
    failed, result = run(args, check_mode=True)
    assert result['changed'] is False


def test_imported_with_owner_and_group(bundle, tmp_path):
    if os.geteuid() != 0:
        pytest.skip('changing owners needs root')
    models_dir = str(tmp_path / 'models')
    failed, result = run({'state': 'imported', 'path': bundle, 'models_dir': models_dir, 'owner': 'nobody',
                          'group': '65534'})
    assert not failed, result
    for dirpath, dummy, filenames in os.walk(models_dir):
        for name in filenames:
            info = os.stat(os.path.join(dirpath, name))
            assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o644)


def test_unknown_owner_fails_before_any_write(bundle, tmp_path):
    models_dir = str(tmp_path / 'models')
    failed, result = run({'state': 'imported', 'path': bundle, 'models_dir': models_dir, 'owner': 'no-such-user'})
    assert failed and result['msg'].startswith("owner 'no-such-user' does not exist on this host")
    assert not os.path.exists(models_dir)


def test_imported_missing_blob_fails_before_any_write(bundle, tmp_path):
    models_dir = tmp_path / 'models'
    models_dir.mkdir()
    digest, path = blob_of(bundle, 'config', key=TINYCODER)
    os.unlink(path)
    failed, result = run({'state': 'imported', 'path': bundle, 'models_dir': str(models_dir)})
    assert failed
    assert result['msg'] == (
        'bundle %s: manifests/registry.ollama.ai/acme/tinycoder/1b references %s (config) but blobs/%s is missing: '
        'copy the whole bundle again or export it again' % (bundle, digest, digest.replace(':', '-')))
    assert os.listdir(str(models_dir)) == []


def test_exported_then_imported_elsewhere_bit_for_bit(bundle, tmp_path):
    server_a = str(tmp_path / 'a')
    run({'state': 'imported', 'path': bundle, 'models_dir': server_a})
    exported = str(tmp_path / 'exported')
    failed, result = run({'state': 'exported', 'path': exported, 'models_dir': server_a, 'name': 'tinyllama'},
                         diff=True)
    assert not failed and result['changed'] is True
    assert [m['name'] for m in result['models']] == ['tinyllama:latest']
    only = str(tmp_path / 'only')
    write_bundle(only, [TINYLLAMA])
    assert tree(exported) == tree(only)
    failed, result = run({'state': 'exported', 'path': exported, 'models_dir': server_a, 'name': 'tinyllama'})
    assert result['changed'] is False
    server_b = str(tmp_path / 'b')
    failed, result = run({'state': 'imported', 'path': exported, 'models_dir': server_b})
    assert not failed and tree(server_b) == tree(only)


def test_required_options():
    failed, result = run({'state': 'exported', 'path': '/tmp/x'})
    assert failed and 'models_dir' in result['msg'] and 'name' in result['msg']
    failed, result = run({'state': 'imported', 'path': '/tmp/x'})
    assert failed and 'models_dir' in result['msg']


def test_not_a_bundle(tmp_path):
    failed, result = run({'state': 'verified', 'path': str(tmp_path)})
    assert failed and 'has no manifests/ directory' in result['msg']
    failed, result = run({'state': 'verified', 'path': str(tmp_path / 'nope')})
    assert failed and 'does not exist or is not a directory' in result['msg']
