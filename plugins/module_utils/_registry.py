# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to the localllm.ollama collection. It is not a public API, it is not
# covered by semantic versioning and it may change or disappear in any release. Do not import it from other
# collections or from playbooks.

"""A client for the Docker Registry HTTP API V2 (CNCF distribution, Debian's docker-registry), the protocol Ollama
pushes to and pulls from.

Built on ansible.module_utils.urls.open_url only. No maintained Python library for the V2 push protocol exists in
Debian (python3-docker talks to a Docker engine, not to a registry), so the few requests are written here:

- ``manifest_digest`` (HEAD, with the Accept header a stock distribution registry requires: a manifest request
  without it gets 400 MANIFEST_INVALID), ``get_manifest``, ``put_manifest``;
- ``blob_exists`` (HEAD; a 307 from a registry whose storage redirects to a blob host counts as present);
- ``upload_blob``: the chunked upload (POST, then PATCH chunks with Content-Range, then PUT ?digest=). When a chunk
  fails, the upload URL is asked for its Range (GET) and the upload goes on from there. With ``state_dir`` the
  last upload URL is kept in a file, so that a later run goes on with the bytes the registry already has.

  distribution 2.8 resumes only from the offset its signed ``_state`` token names: when a chunk failed after part
  of it was stored, or the registry restarted with a random ``http.secret``, it cancels the upload and answers
  BLOB_UPLOAD_INVALID/UNKNOWN; the client then starts that blob again from byte 0 (a mirror that wants resumable
  uploads across registry restarts sets ``http.secret``).

Errors raise RegistryError, whose text names the operation, the URL (credentials redacted) and the HTTP status.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import socket
import tempfile
import urllib.error
import urllib.parse

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import open_url

from ansible_collections.localllm.ollama.plugins.module_utils._api import (
    _connection_reason,
    redact_text,
    redact_url,
    url_origin,
)
from ansible_collections.localllm.ollama.plugins.module_utils._grammar import mirror_url_problems

MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
# Ollama pushes Docker v2 manifests; the OCI type is accepted too, so a registry that stored an OCI manifest
# still answers with its digest instead of 404.
MANIFEST_ACCEPT = '%s, %s' % (MANIFEST_V2, OCI_MANIFEST)

DEFAULT_TIMEOUT = 60
DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024
DEFAULT_HTTP_AGENT = 'ansible-localllm.ollama'
# Consecutive failed chunks (no byte of progress in between) before an upload gives up.
MAX_CHUNK_FAILURES = 3

DIGEST_RE = re.compile(r'^sha256:[0-9a-f]{64}$')
# The registry's own repository grammar (distribution/reference/regexp.go): lower-case path components separated
# by "/", each [a-z0-9]+ joined by ".", "_", "__" or dashes. This is the registry's rule, not Ollama's model-name
# grammar (module_utils/_grammar.py), which allows upper case and which the registry would refuse.
_REPO_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
REPOSITORY_RE = re.compile(r'^%s(?:/%s)*$' % (_REPO_COMPONENT, _REPO_COMPONENT))
REFERENCE_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')

STATUS_WORDS = {
    400: 'bad request',
    401: 'authentication required or failed (check url_username/url_password)',
    403: 'forbidden (the registry denies this user or this address)',
    404: 'not found',
    405: 'method not allowed (is the registry read-only, or is this a pull-through cache?)',
    413: 'request body too large (lower chunk_size or raise client_max_body_size on the proxy)',
    416: 'requested range not satisfiable',
    429: 'too many requests (rate limited)',
    500: 'internal server error',
    502: 'bad gateway (the proxy cannot reach the registry)',
    503: 'service unavailable',
    504: 'gateway timeout',
}
RETRIABLE_STATUSES = frozenset((408, 429, 500, 502, 503, 504))


class RegistryError(Exception):
    """A failed registry request. ``url`` is redacted; ``status`` is None for a connection error."""

    def __init__(self, msg, url=None, status=None, code=None, retriable=False):
        super().__init__(msg)
        self.msg = msg
        self.url = url
        self.status = status
        self.code = code
        self.retriable = retriable


class _Interrupted(Exception):
    """A chunk that did not get through (carries the RegistryError); handled inside upload_blob."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def registry_base_url_error(url):
    """None when ``url`` is an acceptable registry URL (http[s]://host[:port], no path, query or user info),
    else a message that says what to change. The scheme, user-info, path and query rules are the collection's one
    URL grammar (module_utils/_grammar.py mirror_url_problems, also behind ollama_model_mirror); the host may be
    anything a URL allows (an IPv6 literal too), since uploads do not put it into a model name."""
    text = to_text(url or '')
    shown = redact_url(text)
    problems = mirror_url_problems(text)
    try:
        parts = urllib.parse.urlsplit(text)
        dummy = parts.port  # raises ValueError on a port that is not a number
    except ValueError as e:
        return 'registry URL %r is not a valid URL: %s' % (shown, to_native(e))
    if problems['scheme'] or not parts.hostname:
        return 'registry URL %r must be http://host[:port] or https://host[:port]' % shown
    if problems['userinfo']:
        return ('registry URL %r carries user info; give the credentials as url_username/url_password instead'
                % shown)
    if problems['path'] or problems['query']:
        return ('registry URL %r has a path, query or fragment; a registry is addressed as scheme://host[:port] '
                '(the repository comes from the model name): use %s://%s' % (shown, parts.scheme, parts.netloc))
    return None


def repository_error(repository):
    """None for a repository name the registry accepts, else a message."""
    if not isinstance(repository, str) or not REPOSITORY_RE.match(repository) or len(repository) > 255:
        return ('repository %r is not a valid registry repository name: lower-case letters, digits and ".", "_", '
                '"-" separators, components joined by "/" (for example library/llama3.1)' % (repository,))
    return None


def _registry_message(body):
    """The message of a registry error body ({"errors": [{"code", "message", "detail"}]}), and its first code."""
    text = to_text(body or b'', errors='surrogate_or_replace').strip()
    if not text:
        return '', None
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300], None
    errors = data.get('errors') if isinstance(data, dict) else None
    if not errors or not isinstance(errors, list):
        return text[:300], None
    parts = []
    for item in errors:
        if not isinstance(item, dict):
            continue
        piece = '%s: %s' % (item.get('code', '?'), item.get('message', ''))
        detail = item.get('detail')
        if detail and not isinstance(detail, (dict, list)):
            piece += ' (%s)' % detail
        elif detail:
            piece += ' (%s)' % json.dumps(detail)[:200]
        parts.append(piece)
    first = errors[0].get('code') if isinstance(errors[0], dict) else None
    return '; '.join(parts), first


def _headers(headers):
    if headers is None:
        return {}
    try:
        return dict((to_text(k).lower(), to_text(v)) for k, v in headers.items())
    except AttributeError:
        return {}


def _reason(exc):
    """_api's words for a connection failure, with the registry named where _api names Ollama."""
    if isinstance(getattr(exc, 'reason', exc), ConnectionRefusedError):
        return 'connection refused (is the registry running and listening on this address and port?)'
    return _connection_reason(exc)


def _range_end(value):
    """The next offset named by a Range header "0-<last>" (distribution answers "0-0" for an empty upload)."""
    match = re.match(r'^(?:bytes=)?0-(\d+)$', (value or '').strip())
    if not match:
        return None
    return int(match.group(1)) + 1


class RegistryClient(object):
    """One Docker V2 registry (``base_url`` = scheme://host[:port])."""

    def __init__(self, module, base_url, username=None, password=None, validate_certs=True, ca_path=None,
                 timeout=DEFAULT_TIMEOUT, state_dir=None, http_agent=DEFAULT_HTTP_AGENT):
        error = registry_base_url_error(base_url)
        if error:
            raise RegistryError(error)
        self.module = module
        self.base_url = to_text(base_url).rstrip('/')
        self.username = username
        self.password = password
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.state_dir = state_dir
        self.http_agent = http_agent
        if module is not None and password:
            module.no_log_values.add(password)
        # What the client did, for the modules' results and for the tests: byte counts and request counts.
        self.stats = {'bytes_sent': 0, 'requests': 0, 'resumed_from': [], 'restarted': 0}

    # -- transport -----------------------------------------------------------------------------------------------
    def _url(self, path):
        return urllib.parse.urljoin(self.base_url + '/', path)

    def _request(self, operation, method, url, data=None, headers=None, ok=()):
        """One request. Returns (status, headers, body). A status in ``ok`` (for example 404 on a HEAD, or a
        redirect) is returned instead of raised; any other HTTP error and every connection error raises
        RegistryError. Credentials go to the registry's own origin only."""
        hdrs = dict(headers or {})
        kwargs = {}
        if self.username and url_origin(url) == url_origin(self.base_url):
            kwargs = dict(url_username=self.username, url_password=self.password or '', force_basic_auth=True)
        self.stats['requests'] += 1
        try:
            resp = open_url(url, data=data, headers=hdrs, method=method, timeout=self.timeout,
                            validate_certs=self.validate_certs, ca_path=self.ca_path, http_agent=self.http_agent,
                            follow_redirects='none', use_netrc=False, **kwargs)
        except urllib.error.HTTPError as e:
            try:
                body = e.read()
            except Exception:  # pylint: disable=broad-except
                body = b''
            if e.code in ok:
                return e.code, _headers(e.headers), body
            message, code = _registry_message(body)
            words = STATUS_WORDS.get(e.code, '')
            text = '%s: %s %s returned HTTP %s' % (operation, method, redact_url(url), e.code)
            if words:
                text += ' %s' % words
            if message:
                text += ': %s' % redact_text(message)
            raise RegistryError(text, url=redact_url(url), status=e.code, code=code,
                                retriable=e.code in RETRIABLE_STATUSES)
        except (urllib.error.URLError, UrlsConnectionError, socket.timeout, TimeoutError, OSError,
                http.client.HTTPException) as e:
            raise RegistryError('%s: cannot connect to %s: %s' % (operation, redact_url(url), _reason(e)),
                                url=redact_url(url), retriable=True)
        try:
            body = resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise RegistryError('%s: %s %s: the response ended early: %s'
                                % (operation, method, redact_url(url), to_native(e)),
                                url=redact_url(url), retriable=True)
        status = getattr(resp, 'status', None) or resp.getcode()
        return status, _headers(resp.headers), body

    @staticmethod
    def _check_names(repository, reference=None):
        error = repository_error(repository)
        if error:
            raise RegistryError(error)
        if reference is not None and not (DIGEST_RE.match(reference) or REFERENCE_RE.match(reference)):
            raise RegistryError('reference %r is neither a tag ([A-Za-z0-9_][A-Za-z0-9_.-], at most 128 characters) '
                                'nor a sha256 digest' % (reference,))

    # -- reads ---------------------------------------------------------------------------------------------------
    def ping(self):
        """GET /v2/: the registry answers and accepts the credentials (401 raises with the URL and the status)."""
        self._request('check registry', 'GET', self._url('/v2/'))
        return True

    def manifest_digest(self, repository, reference):
        """The digest of the manifest ``repository:reference`` ('sha256:...'), or None when the registry does not
        have it. HEAD first; a registry that answers without Docker-Content-Digest gets a GET and the digest of the
        bytes it returns."""
        self._check_names(repository, reference)
        url = self._url('/v2/%s/manifests/%s' % (repository, reference))
        operation = 'read manifest %s:%s' % (repository, reference)
        status, headers, dummy = self._request(operation, 'HEAD', url, headers={'Accept': MANIFEST_ACCEPT}, ok=(404,))
        if status == 404:
            return None
        digest = headers.get('docker-content-digest')
        if digest and DIGEST_RE.match(digest):
            return digest
        found = self.get_manifest(repository, reference)
        return found[1] if found else None

    def get_manifest(self, repository, reference):
        """(bytes, digest, media type) of a manifest, or None when the registry does not have it."""
        self._check_names(repository, reference)
        url = self._url('/v2/%s/manifests/%s' % (repository, reference))
        status, headers, body = self._request('read manifest %s:%s' % (repository, reference), 'GET', url,
                                              headers={'Accept': MANIFEST_ACCEPT}, ok=(404,))
        if status == 404:
            return None
        return body, 'sha256:' + hashlib.sha256(body).hexdigest(), headers.get('content-type')

    def blob_exists(self, repository, digest):
        """True when the repository has the blob. A redirect (the registry's storage points at a blob host, as
        upstream's registry and the site mirror do) counts as present; it is not followed."""
        self._check_names(repository, digest)
        url = self._url('/v2/%s/blobs/%s' % (repository, digest))
        status, dummy, dummy2 = self._request('check blob %s in %s' % (digest, repository), 'HEAD', url,
                                              ok=(404, 301, 302, 303, 307, 308))
        return status != 404

    # -- writes --------------------------------------------------------------------------------------------------
    def put_manifest(self, repository, reference, data, media_type=MANIFEST_V2):
        """PUT the manifest bytes unchanged; returns the digest the registry reports (or of the bytes)."""
        self._check_names(repository, reference)
        url = self._url('/v2/%s/manifests/%s' % (repository, reference))
        dummy, headers, dummy2 = self._request('upload manifest %s:%s' % (repository, reference), 'PUT', url,
                                               data=data, headers={'Content-Type': media_type})
        self.stats['bytes_sent'] += len(data)
        return headers.get('docker-content-digest') or 'sha256:' + hashlib.sha256(data).hexdigest()

    def _location(self, operation, url, headers):
        location = headers.get('location')
        if not location:
            raise RegistryError('%s: %s answered without a Location header (is this a Docker V2 registry?)'
                                % (operation, redact_url(url)), url=redact_url(url))
        target = urllib.parse.urljoin(url, location)
        if urllib.parse.urlsplit(target).scheme.lower() not in ('http', 'https'):
            raise RegistryError('%s: %s sent the upload to %s, not an http(s) URL'
                                % (operation, redact_url(url), redact_url(target)))
        return target

    def _start_upload(self, repository, digest):
        url = self._url('/v2/%s/blobs/uploads/' % repository)
        operation = 'start upload of %s to %s' % (digest, repository)
        dummy, headers, dummy2 = self._request(operation, 'POST', url, data=b'', headers={'Content-Length': '0'})
        return self._location(operation, url, headers)

    def _upload_status(self, repository, digest, location):
        """(offset, location) the registry reports for an upload, or None when it no longer knows or accepts it
        (404 BLOB_UPLOAD_UNKNOWN, or 400 BLOB_UPLOAD_INVALID after distribution cancelled it)."""
        operation = 'read upload status of %s in %s' % (digest, repository)
        status, headers, dummy = self._request(operation, 'GET', location, ok=(400, 404))
        if status in (400, 404):
            return None
        offset = _range_end(headers.get('range'))
        if offset is None:
            raise RegistryError('%s: %s answered without a Range header "0-<last byte>"'
                                % (operation, redact_url(location)), url=redact_url(location))
        return offset, self._location(operation, location, headers)

    def _send_chunk(self, repository, digest, location, offset, chunk):
        operation = 'upload bytes %d-%d of %s to %s' % (offset, offset + len(chunk) - 1, digest, repository)
        headers = {'Content-Type': 'application/octet-stream', 'Content-Length': str(len(chunk)),
                   'Content-Range': '%d-%d' % (offset, offset + len(chunk) - 1)}
        try:
            dummy, answer, dummy2 = self._request(operation, 'PATCH', location, data=chunk, headers=headers)
        except RegistryError as e:
            if e.status in (401, 403, 404, 405, 413):
                raise
            raise _Interrupted(e)
        self.stats['bytes_sent'] += len(chunk)
        return self._location(operation, location, answer)

    # -- resumable state -------------------------------------------------------------------------------------------
    def _state_path(self, repository, digest):
        if not self.state_dir:
            return None
        key = '%s %s %s' % (self.base_url, repository, digest)
        return os.path.join(self.state_dir, 'upload-%s.json' % hashlib.sha256(key.encode('utf-8')).hexdigest()[:32])

    def _load_state(self, repository, digest):
        path = self._state_path(repository, digest)
        if not path or not os.path.exists(path):
            return None
        try:
            with open(path, 'rb') as f:
                data = json.loads(to_text(f.read()))
        except (OSError, ValueError):
            return None
        if (not isinstance(data, dict) or data.get('registry') != self.base_url or data.get('repository') != repository
                or data.get('digest') != digest or not data.get('location')):
            return None
        return data

    def _save_state(self, repository, digest, location, offset):
        path = self._state_path(repository, digest)
        if not path:
            return
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        payload = json.dumps({'registry': self.base_url, 'repository': repository, 'digest': digest,
                              'location': location, 'offset': offset}).encode('utf-8')
        fd, tmp = tempfile.mkstemp(prefix='.upload-', dir=self.state_dir)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(payload)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _drop_state(self, repository, digest):
        path = self._state_path(repository, digest)
        if path and os.path.exists(path):
            os.unlink(path)

    # -- blob upload -----------------------------------------------------------------------------------------------
    def upload_blob(self, repository, digest, path, chunk_size=DEFAULT_CHUNK_SIZE):
        """Upload the file at ``path`` as blob ``digest`` (chunked, resumable; see the module docstring).
        The registry checks the digest when the upload completes. Returns the number of bytes sent."""
        self._check_names(repository, digest)
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise RegistryError('chunk_size must be a positive number of bytes, got %r' % (chunk_size,))
        size = os.path.getsize(path)
        sent_before = self.stats['bytes_sent']
        location = None
        offset = 0
        saved = self._load_state(repository, digest)
        if saved:
            status = self._upload_status(repository, digest, saved['location'])
            if status is not None and status[0] <= size:
                offset, location = status
                self.stats['resumed_from'].append(offset)
        if location is None:
            self._drop_state(repository, digest)
            location = self._start_upload(repository, digest)
            offset = 0
            self._save_state(repository, digest, location, 0)
        failures = 0
        last_error = None
        with open(path, 'rb') as f:
            while offset < size:
                f.seek(offset)
                chunk = f.read(min(chunk_size, size - offset))
                if not chunk:
                    raise RegistryError('upload of %s: %s is shorter than it was (%d bytes expected): the file changed '
                                        'while it was uploaded' % (digest, path, size))
                try:
                    location = self._send_chunk(repository, digest, location, offset, chunk)
                except _Interrupted as e:
                    failures += 1
                    last_error = e.error
                    if failures >= MAX_CHUNK_FAILURES:
                        raise RegistryError('%s (gave up after %d failed attempts; run again to resume)'
                                            % (last_error.msg, failures), url=last_error.url,
                                            status=last_error.status)
                    status = self._upload_status(repository, digest, location)
                    if status is None or status[0] > size:
                        # distribution cancelled the upload (the failed chunk was partly stored): start again.
                        self.stats['restarted'] += 1
                        location = self._start_upload(repository, digest)
                        offset = 0
                    else:
                        offset, location = status
                        self.stats['resumed_from'].append(offset)
                    self._save_state(repository, digest, location, offset)
                    continue
                offset += len(chunk)
                failures = 0
                self._save_state(repository, digest, location, offset)
        separator = '&' if '?' in location else '?'
        final = '%s%sdigest=%s' % (location, separator, urllib.parse.quote(digest, safe=''))
        operation = 'complete upload of %s to %s' % (digest, repository)
        try:
            self._request(operation, 'PUT', final, data=b'', headers={'Content-Length': '0'})
        except RegistryError as e:
            if e.code in ('DIGEST_INVALID', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN'):
                # The registry cancelled the upload: the next run starts it from byte 0.
                self._drop_state(repository, digest)
            raise
        self._drop_state(repository, digest)
        return self.stats['bytes_sent'] - sent_before
