# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to the localllm.ollama collection. It is not a public API, it is not
# covered by semantic versioning and it may change or disappear in any release. Do not import it from other
# collections or from playbooks.

"""Model bundles: a directory in upstream's OLLAMA_MODELS layout, and nothing else.

    manifests/<host>/<namespace>/<model>/<tag>   Docker v2 manifest JSON (one per model)
    blobs/sha256-<64 hex>                        the config and every layer of every manifest

The same code reads a bundle and a server's models directory (they have the same layout), so a bundle can be used
as OLLAMA_MODELS directly and "export here, import there" is a copy of files with every digest checked.

- ``read_store`` lists the models of a directory (names from the manifest paths, through module_utils/_grammar);
- ``verify`` checks that every blob a manifest references exists with the manifest's size and, when asked, that
  its content hashes to its digest; the errors say which file and what to do;
- ``export_model`` writes one model of a models directory into a bundle (hashing while it copies);
- ``import_models`` verifies everything first, then writes the blobs (temporary file + rename, mode 0644,
  directories 0755, owner/group when given) and each manifest last. Upstream reads manifests from disk on every
  request (``manifest.Manifests`` on each /api/tags, ``ParseNamedManifest`` on /api/show and the inference
  endpoints), so an imported model is served without a restart.

Idempotent: a model whose manifest bytes are already there and whose blobs have the right size is unchanged.
Pure Python (the standard library and _grammar), no Ansible imports; raises BundleError.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import ModelNameError, parse_model_name

MANIFESTS = 'manifests'
BLOBS = 'blobs'
DIGEST_RE = re.compile(r'^sha256:([0-9a-f]{64})$')
BLOB_NAME_RE = re.compile(r'^sha256-([0-9a-f]{64})$')
FILE_MODE = 0o644
DIR_MODE = 0o755
READ_SIZE = 1024 * 1024
MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'


class BundleError(Exception):
    """A bundle or models directory that cannot be used as it is; the message says what to fix."""


class Blob(object):
    __slots__ = ('digest', 'size', 'kind')

    def __init__(self, digest, size, kind):
        self.digest = digest
        self.size = size
        self.kind = kind

    @property
    def filename(self):
        return blob_filename(self.digest)


class Model(object):
    """One manifest of a store: ``name`` (ModelName), ``relpath`` (manifests/host/ns/model/tag), ``data`` (the
    manifest bytes), ``digest`` ('sha256:' + sha256 of the bytes, what /api/tags shows), ``media_type``, ``blobs``
    (config first, then the layers), ``size`` (config + layers, as /api/tags sums them)."""

    def __init__(self, name, relpath, data, media_type, blobs):
        self.name = name
        self.relpath = relpath
        self.data = data
        self.digest = 'sha256:' + hashlib.sha256(data).hexdigest()
        self.media_type = media_type
        self.blobs = blobs
        self.size = sum(b.size for b in blobs)

    @property
    def display(self):
        return self.name.short

    def summary(self, changed=False):
        return {'name': self.display, 'digest': self.digest, 'size': self.size, 'changed': changed}


def blob_filename(digest):
    match = DIGEST_RE.match(digest or '')
    if not match:
        raise BundleError('%r is not a sha256 digest (sha256:<64 lower-case hex>)' % (digest,))
    return 'sha256-' + match.group(1)


def manifest_relpath(name):
    return '/'.join((MANIFESTS, name.host, name.namespace, name.model, name.tag))


def _what(root, label):
    return '%s %s' % (label, root)


def _parse_manifest(root, label, relpath, data):
    """A Model from the bytes of relpath, or BundleError naming the file."""
    where = '%s: %s' % (_what(root, label), relpath)
    parts = relpath.split('/')[1:]
    try:
        name = parse_model_name('%s/%s/%s:%s' % tuple(parts))
    except ModelNameError as e:
        raise BundleError('%s: the path is not a model name (%s); the layout is manifests/<host>/<namespace>/'
                          '<model>/<tag>' % (where, e))
    try:
        doc = json.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise BundleError('%s is not a manifest (not JSON: %s): copy the whole bundle again or export it again'
                          % (where, e))
    if not isinstance(doc, dict) or doc.get('schemaVersion') != 2 or not isinstance(doc.get('config'), dict) \
            or not isinstance(doc.get('layers'), list):
        raise BundleError('%s is not a Docker v2 manifest (schemaVersion 2 with config and layers): export the '
                          'model again' % where)
    blobs = []
    for kind, item in [('config', doc['config'])] + [('layer %d' % i, x) for i, x in enumerate(doc['layers'])]:
        if not isinstance(item, dict) or not DIGEST_RE.match(str(item.get('digest', ''))) \
                or not isinstance(item.get('size'), int) or isinstance(item.get('size'), bool) or item['size'] < 0:
            raise BundleError('%s: the %s has no valid sha256 digest and size: export the model again' % (where, kind))
        media = item.get('mediaType')
        blobs.append(Blob(item['digest'], item['size'], '%s, %s' % (kind, media) if kind != 'config' and media
                          else kind))
    return Model(name, relpath, data, doc.get('mediaType') or MANIFEST_V2, blobs)


def read_store(root, label='bundle', skipped=None):
    """The models of a bundle or models directory, sorted by name. A missing manifests/ is an empty store only
    for a models directory; for a bundle it is an error (an empty or wrong directory). With ``skipped`` (a list),
    a manifest that cannot be read is recorded there instead of raising, as upstream skips it in a models
    directory."""
    mroot = os.path.join(root, MANIFESTS)
    if not os.path.isdir(root):
        raise BundleError('%s does not exist or is not a directory' % _what(root, label))
    if not os.path.isdir(mroot):
        if label == 'bundle':
            raise BundleError('%s has no manifests/ directory: a bundle is manifests/<host>/<namespace>/<model>/'
                              '<tag> plus blobs/sha256-<hex> (export one with localllm.ollama.ollama_model_bundle '
                              'state=exported)' % _what(root, label))
        return []
    models = []
    for dirpath, dirnames, filenames in os.walk(mroot):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root).replace(os.sep, '/')
        depth = rel.count('/')
        for filename in sorted(filenames):
            if filename.startswith('.'):
                continue  # a temporary file of an import or export in progress
            relpath = '%s/%s' % (rel, filename)
            try:
                if depth != 3:
                    raise BundleError('%s: %s is not at manifests/<host>/<namespace>/<model>/<tag>: remove it or '
                                      'export the bundle again' % (_what(root, label), relpath))
                with open(os.path.join(dirpath, filename), 'rb') as f:
                    data = f.read()
                models.append(_parse_manifest(root, label, relpath, data))
            except BundleError as e:
                if skipped is None:
                    raise
                skipped.append(str(e))
    if not models and label == 'bundle':
        raise BundleError('%s has no manifest under manifests/<host>/<namespace>/<model>/<tag>' % _what(root, label))
    return sorted(models, key=lambda m: m.name.key)


def select(models, names, root, label='bundle', skipped=None):
    """The models whose names match ``names`` (model names as users write them; case-insensitive as Ollama
    matches them); all of them when names is empty."""
    if not names:
        return list(models)
    chosen = []
    for raw in names:
        try:
            key = parse_model_name(raw).key
        except ModelNameError as e:
            raise BundleError(str(e))
        found = [m for m in models if m.name.key == key]
        if not found:
            raise BundleError('%s has no model %s (it has: %s)%s'
                              % (_what(root, label), raw, ', '.join(m.display for m in models) or 'none',
                                 ''.join('; skipped: %s' % text for text in skipped or [])))
        chosen.extend(m for m in found if m not in chosen)
    return chosen


def _blocks(f):
    """The file object's content in READ_SIZE blocks (a blob is never read into memory whole)."""
    while True:
        block = f.read(READ_SIZE)
        if not block:
            return
        yield block


def hash_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in _blocks(f):
            digest.update(block)
    return 'sha256:' + digest.hexdigest()


def verify(root, models, checksum=True, label='bundle'):
    """Raise BundleError naming every missing, short or corrupt blob of ``models`` (each blob read once)."""
    problems = []
    seen = {}
    for model in models:
        for blob in model.blobs:
            rel = '%s/%s' % (BLOBS, blob.filename)
            path = os.path.join(root, BLOBS, blob.filename)
            if blob.digest in seen:
                if seen[blob.digest] is not None and seen[blob.digest] != blob.size:
                    problems.append('%s says %s has %d bytes, another manifest says %d: export the model again'
                                    % (model.relpath, blob.digest, blob.size, seen[blob.digest]))
                continue
            seen[blob.digest] = blob.size
            try:
                info = os.stat(path)
            except OSError:
                info = None
            if info is None or not stat.S_ISREG(info.st_mode):
                problems.append('%s references %s (%s) but %s is missing: copy the whole bundle again or export it '
                                'again' % (model.relpath, blob.digest, blob.kind, rel))
                continue
            if info.st_size != blob.size:
                problems.append('%s: %d bytes, the manifest %s says %d: the file is truncated or corrupt (copy the '
                                'whole bundle again or export it again)' % (rel, info.st_size, model.relpath,
                                                                            blob.size))
                continue
            if checksum:
                actual = hash_file(path)
                if actual != blob.digest:
                    problems.append('%s: content hashes to %s, the manifest says %s: the file is corrupt (copy the '
                                    'whole bundle again or export it again)' % (rel, actual, blob.digest))
    if problems:
        raise BundleError('%s: %s' % (_what(root, label), '; '.join(problems)))


# -------------------------------------------------------------------------------------------------------------------
# Writing
# -------------------------------------------------------------------------------------------------------------------

def _ensure_dir(path, uid, gid, check_mode, created):
    """mkdir -p with mode 0755 (and owner) for the directories it creates; returns True when it created any."""
    if os.path.isdir(path):
        return False
    parent = os.path.dirname(path)
    if parent and parent != path:
        _ensure_dir(parent, uid, gid, check_mode, created)
    created.append(path)
    if check_mode:
        return True
    os.mkdir(path, DIR_MODE)
    os.chmod(path, DIR_MODE)
    if uid is not None or gid is not None:
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
    return True


def _owner_wrong(path, uid, gid):
    info = os.stat(path)
    return ((uid is not None and info.st_uid != uid) or (gid is not None and info.st_gid != gid)
            or stat.S_IMODE(info.st_mode) != FILE_MODE)


def _fix_owner(path, uid, gid):
    os.chmod(path, FILE_MODE)
    if uid is not None or gid is not None:
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)


def _write_atomic(directory, final, uid, gid, source=None, data=None, expect=None):
    """Write ``data`` or a copy of the file ``source`` to directory/final through a temporary file in the same
    directory, fsync, mode 0644, owner; rename last. With ``expect``, the copied bytes must hash to it."""
    fd, tmp = tempfile.mkstemp(prefix='.localllm-', dir=directory)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, 'wb') as out:
            if data is not None:
                out.write(data)
                digest.update(data)
            else:
                with open(source, 'rb') as src:
                    for block in _blocks(src):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        actual = 'sha256:' + digest.hexdigest()
        if expect is not None and actual != expect:
            raise BundleError('%s: content hashes to %s while it was copied, the manifest says %s: the file is '
                              'corrupt or changed during the copy' % (source, actual, expect))
        _fix_owner(tmp, uid, gid)
        os.replace(tmp, os.path.join(directory, final))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _existing_manifest_path(model, existing):
    """Where the model's manifest lives in the destination: the path of a model with the same name in another
    case (Ollama matches names ignoring case; a second manifest would list the model twice), else its own."""
    for other in existing:
        if other.name.key == model.name.key:
            return other.relpath
    return model.relpath


def _copy_model(src_root, dest_root, model, uid, gid, check_mode, existing, hash_sources):
    """Copy one verified model's blobs, then its manifest. Returns (changed, blobs copied, bytes copied)."""
    changed = False
    copied = 0
    copied_bytes = 0
    blob_dir = os.path.join(dest_root, BLOBS)
    created = []
    changed |= _ensure_dir(blob_dir, uid, gid, check_mode, created)
    for blob in model.blobs:
        dest = os.path.join(blob_dir, blob.filename)
        if os.path.isfile(dest) and os.path.getsize(dest) == blob.size:
            if _owner_wrong(dest, uid, gid):
                changed = True
                if not check_mode:
                    _fix_owner(dest, uid, gid)
            continue
        changed = True
        copied += 1
        copied_bytes += blob.size
        if not check_mode:
            _write_atomic(blob_dir, blob.filename, uid, gid, source=os.path.join(src_root, BLOBS, blob.filename),
                          expect=blob.digest if hash_sources else None)
    relpath = _existing_manifest_path(model, existing)
    dest = os.path.join(dest_root, *relpath.split('/'))
    same = False
    if os.path.isfile(dest):
        with open(dest, 'rb') as f:
            same = f.read() == model.data
    if same:
        if _owner_wrong(dest, uid, gid):
            changed = True
            if not check_mode:
                _fix_owner(dest, uid, gid)
        return changed, copied, copied_bytes
    changed = True
    _ensure_dir(os.path.dirname(dest), uid, gid, check_mode, created)
    if not check_mode:
        _write_atomic(os.path.dirname(dest), os.path.basename(dest), uid, gid, data=model.data)
    return changed, copied, copied_bytes


def import_models(bundle, models_dir, names=None, uid=None, gid=None, check_mode=False):
    """Place the bundle's models (all, or ``names``) into models_dir after verifying every blob of every selected
    model (presence, size, sha256). Returns a list of dicts {name, digest, size, changed, blobs_copied,
    bytes_copied}, plus 'before' (the digest models_dir had for that name, or None)."""
    models = select(read_store(bundle, 'bundle'), names, bundle)
    verify(bundle, models, checksum=True)
    existing = read_store(models_dir, 'models directory', skipped=[]) \
        if os.path.isdir(os.path.join(models_dir, MANIFESTS)) else []
    before = dict((m.name.key, m.digest) for m in existing)
    results = []
    for model in models:
        changed, copied, copied_bytes = _copy_model(bundle, models_dir, model, uid, gid, check_mode, existing,
                                                    hash_sources=False)
        item = model.summary(changed)
        item.update(blobs_copied=copied, bytes_copied=copied_bytes, before=before.get(model.name.key))
        results.append(item)
    return results


def export_model(models_dir, name, bundle, uid=None, gid=None, check_mode=False):
    """Write one model of models_dir (and nothing else) into the bundle directory; every copied blob is hashed
    on the way. The model's blobs are checked for presence and size before anything is written."""
    skipped = []
    models = select(read_store(models_dir, 'models directory', skipped), [name], models_dir, 'models directory',
                    skipped)
    verify(models_dir, models, checksum=False, label='models directory')
    existing = read_store(bundle, 'bundle', skipped=[]) if os.path.isdir(os.path.join(bundle, MANIFESTS)) else []
    before = dict((m.name.key, m.digest) for m in existing)
    results = []
    for model in models:
        if not check_mode:
            _ensure_dir(bundle, uid, gid, check_mode, [])
        changed, copied, copied_bytes = _copy_model(models_dir, bundle, model, uid, gid, check_mode, existing,
                                                    hash_sources=True)
        item = model.summary(changed)
        item.update(blobs_copied=copied, bytes_copied=copied_bytes, before=before.get(model.name.key))
        results.append(item)
    return results
