# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Model bundles for the tests, made of the stand-in registry's fixture models (tests/standin/registry.py, the
same bytes and digests the stand-in registry serves), in upstream's OLLAMA_MODELS layout."""

from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
STANDIN = os.path.join(ROOT, 'tests', 'standin')
if STANDIN not in sys.path:
    sys.path.insert(0, STANDIN)

import registry as standin_registry  # noqa: E402 pylint: disable=wrong-import-position

HOST = 'registry.ollama.ai'
TINYLLAMA = ('library', 'tinyllama', 'latest')
TINYCODER = ('acme', 'tinycoder', '1b')


def fixture_registry():
    """The stand-in registry's models (generated in memory, deterministic)."""
    return standin_registry.Registry(1)


def write_bundle(directory, keys, reg=None, host=HOST):
    """Write the fixture models ``keys`` ((namespace, model, tag) tuples) as a bundle with the stand-in registry's
    --write-bundle code; returns {short name: manifest digest}."""
    reg = reg or fixture_registry()
    out = {}
    for key in keys:
        summary = standin_registry.write_bundle(reg, directory, key, host)
        short = '%s:%s' % (key[1], key[2]) if key[0] == 'library' else '%s/%s:%s' % key
        out[short] = summary['digest']
    return out


def tree(root):
    """{relative path: bytes} of every file under root."""
    found = {}
    for dirpath, dummy, filenames in os.walk(root):
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            with open(path, 'rb') as f:
                found[os.path.relpath(path, root)] = f.read()
    return found


def blob_of(bundle_dir, kind='application/vnd.ollama.image.model', key=TINYLLAMA, host=HOST):
    """(digest, path) of the config (kind='config') or of the first layer of that media type."""
    with open(os.path.join(bundle_dir, 'manifests', host, *key), 'rb') as f:
        manifest = json.load(f)
    if kind == 'config':
        digest = manifest['config']['digest']
    else:
        digest = [x['digest'] for x in manifest['layers'] if x['mediaType'] == kind][0]
    return digest, os.path.join(bundle_dir, 'blobs', digest.replace(':', '-'))


def corrupt(path, offset=100):
    """Flip one byte (same size, other content)."""
    with open(path, 'r+b') as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xff]))
