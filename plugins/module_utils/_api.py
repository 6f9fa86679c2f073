# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to the localllm.ollama collection. It is not a public API, it is not
# covered by semantic versioning and it may change or disappear in any release. Do not import it from other
# collections or from playbooks.

"""The one HTTP client the localllm.ollama modules use to talk to an Ollama server (or a gateway in front of it).

Built on ansible.module_utils.urls.open_url only, so nothing has to be installed on the target.
It raises OllamaApiError and never calls fail_json; the modules turn the error into a failure message.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import open_url, url_argument_spec

# The model-name and version grammar lives in _grammar (shared with the filters on the controller); the names are
# re-exported here because the modules and their tests import them from the client module.
from ansible_collections.localllm.ollama.plugins.module_utils._grammar import (  # noqa: F401 pylint: disable=unused-import
    DEFAULT_HOST,
    DEFAULT_NAMESPACE,
    DEFAULT_TAG,
    URL_USERINFO_RE,
    ModelName,
    ModelNameError,
    model_key,
    normalize_model_name,
    parse_model_name,
    version_key as parse_version,
)

DEFAULT_URL = 'http://127.0.0.1:11434'
DEFAULT_TIMEOUT = 30
DEFAULT_HTTP_AGENT = 'ansible-localllm.ollama'

# URL templates (paths relative to the base URL, which may itself carry a sub-path such as /ollama).
PATH_ROOT = '/'
PATH_VERSION = '/api/version'
PATH_TAGS = '/api/tags'
PATH_SHOW = '/api/show'
PATH_PULL = '/api/pull'
PATH_CREATE = '/api/create'
PATH_DELETE = '/api/delete'
PATH_COPY = '/api/copy'
PATH_PS = '/api/ps'
PATH_GENERATE = '/api/generate'
PATH_CHAT = '/api/chat'
PATH_EMBED = '/api/embed'
PATH_OPENAI_MODELS = '/v1/models'
PATH_OPENAI_CHAT = '/v1/chat/completions'

# Plain words for the statuses people actually meet in front of Ollama.
STATUS_WORDS = {
    400: 'bad request',
    401: 'authentication required or failed (check url_username/url_password or api_key)',
    403: 'forbidden (Ollama refuses a Host header outside its allow-list or an Origin not in OLLAMA_ORIGINS, '
         'or the gateway denied access)',
    404: 'not found',
    405: 'method not allowed',
    409: 'conflict',
    413: 'request body too large (raise client_max_body_size on the proxy)',
    429: 'too many requests (rate limited)',
    500: 'internal server error',
    502: 'bad gateway (the proxy cannot reach Ollama)',
    503: 'service unavailable (server busy: request queue full, or still starting)',
    504: 'gateway timeout (raise the proxy read timeout)',
}

# Redirects: open_url is called with follow_redirects='none' and _open() follows GET/HEAD redirects itself, so that
# credentials never reach another origin (open_url's own handler copies Authorization to any host, also from https
# to http). 300, 304 and 305 are not redirects to follow.
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 10

# What a password in the userinfo of a URL is replaced with wherever a URL is reported (the same mask Ansible uses
# for no_log values, so the invocation's module_args and our messages look alike).
REDACTED = '********'

# HTTP statuses worth retrying (a server that is starting, a busy queue, a proxy that lost its upstream).
RETRIABLE_STATUSES = frozenset((429, 502, 503, 504))

# In-stream pull errors that come from the network rather than from the request itself.
_TRANSIENT_STREAM_ERROR = re.compile(
    r'(?i)(timeout|timed out|connection reset|connection refused|unexpected eof|broken pipe|i/o timeout|'
    r'tls handshake|no such host|temporary failure|max retries exceeded|digest mismatch)')


class OllamaApiError(Exception):
    """Any failure talking to the Ollama API.

    operation: what we tried ("pull model", "list models", ...); url: the full URL;
    status: the HTTP status (None for connection errors, 200 for an error reported inside a stream);
    message: the server's own message (or the connection error's reason).
    retriable: True when trying again may help (connection error, 5xx/429, a stream that ended early).
    """

    def __init__(self, operation, url, status=None, message=None, retriable=False, connection_error=False,
                 partial=False, headers=None):
        self.operation = operation
        # Never carry credentials in what a module reports (fail_json(msg=str(e), url=e.url)).
        self.url = redact_url(url)
        self.status = status
        self.message = redact_text(message or '')
        self.retriable = retriable
        self.connection_error = connection_error
        self.partial = partial
        self.headers = headers or {}
        super().__init__(self.__str__())

    def __str__(self):
        if self.connection_error:
            return '%s: cannot connect to %s: %s' % (self.operation, self.url, self.message)
        if self.partial:
            return '%s: %s: the response stream ended early (%s)' % (self.operation, self.url, self.message)
        if self.status is not None and self.status < 300:
            # Ollama reports errors inside a 200 stream as a final {"error": ...} line.
            return '%s: %s: %s (error reported inside the HTTP %d stream)' % (
                self.operation, self.url, self.message, self.status)
        words = STATUS_WORDS.get(self.status, '')
        text = '%s: %s returned HTTP %s' % (self.operation, self.url, self.status)
        if words:
            text += ' %s' % words
        if self.message:
            text += ': %s' % self.message
        return text


def ollama_argument_spec():
    """Connection options shared by every module (mirrored by the localllm.ollama.connection doc fragment)."""
    base = url_argument_spec()
    keep = ('url', 'url_username', 'url_password', 'validate_certs', 'force_basic_auth', 'client_cert', 'client_key',
            'use_proxy', 'http_agent')
    spec = dict((k, base[k]) for k in keep)
    spec['url'] = dict(type='str', default=DEFAULT_URL)
    spec['force_basic_auth'] = dict(type='bool', default=True)
    spec['http_agent'] = dict(type='str', default=DEFAULT_HTTP_AGENT)
    spec.update(
        api_key=dict(type='str', no_log=True),
        ca_path=dict(type='path'),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT),
    )
    return spec


# Relationships every module declares in AnsibleModule(...) for the connection options.
CONNECTION_MUTUALLY_EXCLUSIVE = [('api_key', 'url_username'), ('api_key', 'url_password')]
CONNECTION_REQUIRED_TOGETHER = [('url_username', 'url_password')]
CONNECTION_REQUIRED_BY = {'client_key': 'client_cert'}


# ---------------------------------------------------------------------------------------------------------------
# Credentials in URLs
# ---------------------------------------------------------------------------------------------------------------

def _mask_userinfo(userinfo):
    """'user:secret' -> 'user:********'; a lone 'token' (a key in the user name slot) -> '********'."""
    if ':' in userinfo:
        return '%s:%s' % (userinfo.split(':', 1)[0], REDACTED)
    return REDACTED


def split_url_credentials(url):
    """Split the userinfo off a URL: returns (url without userinfo, user name or None, password or None).

    The user name and password come back percent-decoded, as open_url would use them for basic authentication;
    a URL without userinfo returns (url, None, None)."""
    text = to_text(url or '')
    parts = urllib.parse.urlsplit(text)
    if '@' not in parts.netloc:
        return text, None, None
    userinfo, hostport = parts.netloc.rsplit('@', 1)
    if ':' in userinfo:
        user, password = userinfo.split(':', 1)
    else:
        user, password = userinfo, None
    clean = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return clean, urllib.parse.unquote(user), (urllib.parse.unquote(password) if password is not None else None)


def redact_url(url):
    """The URL for messages and return values: the password of a userinfo replaced by ******** (the user name is
    kept); userinfo without a password (a token in the user name slot) replaced as a whole."""
    if url is None:
        return None
    text = to_text(url)
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return redact_text(text)
    if '@' not in parts.netloc:
        return redact_text(text)
    userinfo, hostport = parts.netloc.rsplit('@', 1)
    return urllib.parse.urlunsplit(parts._replace(netloc='%s@%s' % (_mask_userinfo(userinfo), hostport)))


def redact_text(text):
    """Free text with the secret of every scheme://userinfo@ replaced (see redact_url)."""
    if not text:
        return text
    return URL_USERINFO_RE.sub(lambda m: '%s%s@' % (m.group(1), _mask_userinfo(m.group(2))), to_text(text))


def url_secrets(url):
    """The secret strings of a URL's userinfo (raw and percent-decoded), for AnsibleModule.no_log_values."""
    secrets = set()
    parts = urllib.parse.urlsplit(to_text(url or ''))
    if '@' not in parts.netloc:
        return secrets
    userinfo = parts.netloc.rsplit('@', 1)[0]
    secret = userinfo.split(':', 1)[1] if ':' in userinfo else userinfo
    for value in (secret, urllib.parse.unquote(secret)):
        if value:
            secrets.add(value)
    return secrets


def protect_url_credentials(module):
    """Treat the password in the userinfo of module.params['url'] as a no_log value, so Ansible masks it in
    everything the module returns, the invocation's module_args included. Every module calls this first."""
    for value in url_secrets(module.params.get('url')):
        module.no_log_values.add(value)


def url_origin(url):
    """(scheme, host, port) of a URL, default ports filled in: two URLs are the same origin when these are equal."""
    parts = urllib.parse.urlsplit(to_text(url))
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {'http': 80, 'https': 443}.get(scheme)
    return scheme, (parts.hostname or '').lower(), port


# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------

def _error_message(body):
    """Extract the message from an Ollama ({"error": "..."}) or OpenAI ({"error": {"message": ...}}) error body."""
    text = to_text(body or b'', errors='surrogate_or_replace').strip()
    if not text:
        return ''
    try:
        data = json.loads(text)
    except ValueError:
        return text[:500]
    if isinstance(data, dict):
        err = data.get('error', data.get('message'))
        if isinstance(err, dict):
            err = err.get('message') or json.dumps(err)
        if err:
            return to_text(err)
    return text[:500]


def _is_cert_verify_error(exc):
    return isinstance(getattr(exc, 'reason', exc), ssl.SSLCertVerificationError)


def _connection_reason(exc):
    """Readable reason for a connection-level failure (refused, DNS, TLS, timeout)."""
    reason = getattr(exc, 'reason', exc)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return 'TLS certificate verification failed: %s (set ca_path to the CA that signed it, or ' \
               'validate_certs: false for a test)' % to_native(getattr(reason, 'verify_message', None) or reason)
    if isinstance(reason, ssl.SSLError):
        return 'TLS error: %s' % to_native(reason)
    if isinstance(reason, ConnectionRefusedError):
        return 'connection refused (is Ollama running and listening on this address and port?)'
    if isinstance(reason, socket.gaierror):
        return 'name resolution failed: %s' % to_native(reason)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return 'timed out'
    return to_native(reason)


def _headers_dict(headers):
    if headers is None:
        return {}
    try:
        items = headers.items()
    except AttributeError:
        return {}
    return dict((to_text(k).lower(), to_text(v)) for k, v in items)


def _close_quietly(resp):
    try:
        resp.close()
    except Exception:  # pylint: disable=broad-except
        pass


def _iter_lines(resp):
    """Yield the non-empty lines of a streamed body, decoded."""
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.strip()
        if line:
            yield to_text(line, errors='surrogate_or_replace')


# ---------------------------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------------------------

class OllamaClient(object):
    """Talks to one Ollama endpoint. Every request goes through _open(), which threads the TLS, auth, timeout and
    agent settings into open_url."""

    def __init__(self, url=DEFAULT_URL, url_username=None, url_password=None, api_key=None, validate_certs=True,
                 ca_path=None, client_cert=None, client_key=None, timeout=DEFAULT_TIMEOUT,
                 http_agent=DEFAULT_HTTP_AGENT, force_basic_auth=True, use_proxy=True, clock=time.monotonic):
        base, user, password = split_url_credentials((url or DEFAULT_URL).rstrip('/'))
        self.base_url = base
        if not re.match(r'^https?://[^/]', self.base_url):
            raise ValueError('url must start with http:// or https:// and name a host, got %r' % redact_url(url))
        if user is not None:
            # Credentials in the URL are basic authentication, exactly like url_username/url_password (open_url
            # would do the same); they are taken out of base_url so no message or return value carries them.
            if api_key or url_username:
                raise ValueError('url %s carries credentials and %s is set too; give the credentials one way only '
                                 '(url_username/url_password or api_key, and a url without user:password@)'
                                 % (redact_url(url), 'api_key' if api_key else 'url_username'))
            if not user:
                raise ValueError('url %s has a password but no user name before ":"; use '
                                 'url_username/url_password instead' % redact_url(url))
            url_username, url_password = user, password
        self.url_username = url_username
        self.url_password = url_password
        self.api_key = api_key
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.client_cert = client_cert
        self.client_key = client_key
        self.timeout = timeout
        self.http_agent = http_agent
        self.force_basic_auth = force_basic_auth
        self.use_proxy = use_proxy
        self.clock = clock

    @classmethod
    def from_params(cls, params):
        return cls(url=params.get('url'), url_username=params.get('url_username'),
                   url_password=params.get('url_password'), api_key=params.get('api_key'),
                   validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
                   client_cert=params.get('client_cert'), client_key=params.get('client_key'),
                   timeout=params.get('timeout') or DEFAULT_TIMEOUT,
                   http_agent=params.get('http_agent') or DEFAULT_HTTP_AGENT,
                   force_basic_auth=params.get('force_basic_auth', True), use_proxy=params.get('use_proxy', True))

    # -- description -------------------------------------------------------------------------------------------
    @property
    def auth_kind(self):
        if self.api_key:
            return 'bearer'
        if self.url_username:
            return 'basic'
        return 'none'

    def connection_info(self):
        """What a user pastes into Dify / OpenHands / a .env file. Never contains a secret."""
        header = {
            'bearer': 'Authorization: Bearer <api_key>',
            'basic': 'Authorization: Basic <base64 of url_username:url_password>',
            'none': None,
        }[self.auth_kind]
        return {
            'OLLAMA_BASE_URL': self.base_url,
            'OLLAMA_HOST': self.base_url,
            'OPENAI_API_BASE': self.base_url + '/v1',
            'OPENAI_BASE_URL': self.base_url + '/v1',
            'auth': self.auth_kind,
            'auth_header': header,
        }

    def url_for(self, path):
        return self.base_url + path

    # -- transport ---------------------------------------------------------------------------------------------
    def _open(self, operation, method, path, payload=None, headers=None, auth=True, timeout=None, raw_body=None):
        url = self.url_for(path)
        hdrs = {'Accept': 'application/json, application/x-ndjson, text/event-stream, text/plain'}
        data = raw_body
        if payload is not None:
            data = json.dumps(payload).encode('utf-8')
            hdrs['Content-Type'] = 'application/json'
        kwargs = {}
        credentials = False
        if auth and self.api_key:
            hdrs['Authorization'] = 'Bearer %s' % self.api_key
            credentials = True
        elif auth and self.url_username:
            # force_basic_auth (default) sends the header on the first request instead of waiting for a challenge.
            kwargs = dict(url_username=self.url_username, url_password=self.url_password or '',
                          force_basic_auth=self.force_basic_auth)
            credentials = True
        if headers:
            hdrs.update(headers)
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            try:
                return open_url(current, data=data, headers=hdrs, method=method, timeout=timeout or self.timeout,
                                validate_certs=self.validate_certs, ca_path=self.ca_path,
                                client_cert=self.client_cert, client_key=self.client_key,
                                http_agent=self.http_agent, use_proxy=self.use_proxy, follow_redirects='none',
                                use_netrc=False, **kwargs)
            except urllib.error.HTTPError as e:
                target = self._redirect_target(current, e)
                if target is None:
                    try:
                        body = e.read()
                    except Exception:  # pylint: disable=broad-except
                        body = b''
                    raise OllamaApiError(operation, url, status=e.code, message=_error_message(body),
                                         retriable=e.code in RETRIABLE_STATUSES, headers=_headers_dict(e.headers))
                _close_quietly(e)
                self._check_redirect(operation, method, url, current, target, e.code, credentials, hop)
                current = target
            except (urllib.error.URLError, UrlsConnectionError, socket.timeout, TimeoutError, OSError,
                    http.client.HTTPException) as e:
                # A certificate that does not verify stays so: waiting or retrying cannot help.
                raise OllamaApiError(operation, url, message=_connection_reason(e),
                                     retriable=not _is_cert_verify_error(e), connection_error=True)
        raise AssertionError('unreachable')  # pragma: no cover - the loop returns or raises

    @staticmethod
    def _redirect_target(current, error):
        """The absolute URL a 301/302/303/307/308 points to (userinfo dropped: credentials never come from a
        server), or None when the error is not a redirect with a Location."""
        if error.code not in REDIRECT_STATUSES:
            return None
        location = _headers_dict(error.headers).get('location') or _headers_dict(error.headers).get('uri')
        if not location:
            return None
        target = urllib.parse.urljoin(current, location.strip().replace(' ', '%20'))
        return split_url_credentials(target)[0]

    def _check_redirect(self, operation, method, url, current, target, code, credentials, hop):
        """Raise OllamaApiError unless following current -> target is safe: GET/HEAD only, http(s) only, at most
        MAX_REDIRECTS hops, and with credentials only within the origin (scheme, host, port) of url."""
        # str(OllamaApiError) already names url and the status; name the hop when it is not the first one
        where = 'redirect to %s' % redact_url(target)
        if current != url:
            where += ' (from %s)' % current
        if method.upper() not in ('GET', 'HEAD'):
            raise OllamaApiError(operation, url, status=code,
                                 message='%s; only GET and HEAD requests follow redirects: set url to the address '
                                         'the server redirects to' % where)
        if urllib.parse.urlsplit(target).scheme.lower() not in ('http', 'https'):
            raise OllamaApiError(operation, url, status=code, message='%s: not an http(s) URL' % where)
        if hop >= MAX_REDIRECTS:
            raise OllamaApiError(operation, url, status=code,
                                 message='%s: more than %d redirects' % (where, MAX_REDIRECTS))
        if credentials and url_origin(target) != url_origin(self.base_url):
            raise OllamaApiError(
                operation, url, status=code,
                message='%s, another origin (scheme, host or port differ from %s); the credentials (api_key or '
                        'url_username/url_password) are not sent there and the redirect is not followed. Set url '
                        'to the address you mean to trust' % (where, '%s://%s:%s' % url_origin(self.base_url)))

    def _json(self, operation, method, path, payload=None, allow_empty=False):
        resp = self._open(operation, method, path, payload=payload)
        url = self.url_for(path)
        try:
            body = resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise OllamaApiError(operation, url, status=200, message=to_native(e), retriable=True, partial=True)
        if not body.strip():
            if allow_empty:
                return {}
            raise OllamaApiError(operation, url, status=getattr(resp, 'status', 200),
                                 message='empty response body where JSON was expected')
        try:
            return json.loads(to_text(body))
        except ValueError:
            raise OllamaApiError(operation, url, status=getattr(resp, 'status', 200),
                                 message='response is not JSON (is url pointing at Ollama?): %r' % body[:200])

    def _stream(self, operation, resp, url, deadline=None):
        """Yield decoded NDJSON objects; raise OllamaApiError on an in-stream error, a broken or a late stream."""
        try:
            for line in _iter_lines(resp):
                if deadline is not None and self.clock() > deadline:
                    raise OllamaApiError(operation, url, status=200, message='time budget exhausted while streaming')
                try:
                    obj = json.loads(line)
                except ValueError:
                    raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                         message='unreadable stream line %r' % line[:200])
                if isinstance(obj, dict) and obj.get('error'):
                    msg = _error_message(json.dumps(obj))
                    raise OllamaApiError(operation, url, status=200, message=msg,
                                         retriable=bool(_TRANSIENT_STREAM_ERROR.search(msg)))
                yield obj
        except (OSError, http.client.HTTPException) as e:
            raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                 message='connection lost: %s' % _connection_reason(e))

    # -- read-only endpoints -----------------------------------------------------------------------------------
    def root(self):
        """GET / -> the text body ("Ollama is running")."""
        resp = self._open('check server', 'GET', PATH_ROOT)
        return to_text(resp.read(), errors='surrogate_or_replace').strip()

    def version(self):
        return self._json('get version', 'GET', PATH_VERSION).get('version')

    def tags(self):
        return self._json('list models', 'GET', PATH_TAGS).get('models') or []

    def find_model(self, name, models=None):
        """The /api/tags entry for name (normalised, case-insensitive), or None."""
        key = model_key(name)
        for item in (self.tags() if models is None else models):
            if model_key(item.get('name') or item.get('model') or '') == key:
                return item
        return None

    def show(self, name):
        return self._json('show model %s' % name, 'POST', PATH_SHOW, {'model': name})

    def ps(self):
        return self._json('list running models', 'GET', PATH_PS).get('models') or []

    # -- changing endpoints ------------------------------------------------------------------------------------
    def pull(self, name, insecure=False, deadline=None, progress=None):
        """Streamed pull. Returns {'status': 'success', 'bytes': <sum of layer sizes>, 'layers': n, 'statuses': [...]}.
        Only a final {"status": "success"} is success; an in-stream error raises with the registry's message; a
        stream that ends before success raises a retriable error (partial=True)."""
        operation = 'pull model %s' % name
        url = self.url_for(PATH_PULL)
        payload = {'model': name, 'stream': True}
        if insecure:
            payload['insecure'] = True
        resp = self._open(operation, 'POST', PATH_PULL, payload)
        layers = {}
        statuses = []
        last = None
        for obj in self._stream(operation, resp, url, deadline):
            status = obj.get('status', '')
            last = status
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            digest = obj.get('digest')
            if digest and obj.get('total'):
                layers[digest] = obj['total']
            if progress is not None:
                progress(obj)
        if last != 'success':
            raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                 message='last status was %r, not "success"' % last if last else 'no progress at all')
        return {'status': 'success', 'bytes': sum(layers.values()), 'layers': len(layers),
                'statuses': statuses[-20:]}

    def create(self, payload, deadline=None):
        """Streamed /api/create; payload is the CreateRequest (model, from, system, template, ...)."""
        name = payload.get('model')
        operation = 'create model %s' % name
        url = self.url_for(PATH_CREATE)
        body = dict(payload)
        body['stream'] = True
        resp = self._open(operation, 'POST', PATH_CREATE, body)
        statuses = []
        for obj in self._stream(operation, resp, url, deadline):
            statuses.append(obj.get('status', ''))
        if not statuses or statuses[-1] != 'success':
            raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                 message='last status was %r, not "success"' % (statuses[-1] if statuses else None))
        reused = all(s.startswith('using existing layer') for s in statuses if 'layer' in s)
        return {'status': 'success', 'statuses': statuses[-20:], 'all_layers_existed': reused}

    def delete(self, name):
        """DELETE /api/delete. Returns True when deleted, False when the model did not exist (404)."""
        try:
            self._json('delete model %s' % name, 'DELETE', PATH_DELETE, {'model': name}, allow_empty=True)
        except OllamaApiError as e:
            if e.status == 404:
                return False
            raise
        return True

    def copy(self, source, destination):
        self._json('copy model %s to %s' % (source, destination), 'POST', PATH_COPY,
                   {'source': source, 'destination': destination}, allow_empty=True)
        return True

    # -- inference ---------------------------------------------------------------------------------------------
    def _timed_stream(self, operation, path, payload, text_of, timeout=None):
        url = self.url_for(path)
        start = self.clock()
        resp = self._open(operation, 'POST', path, payload, timeout=timeout)
        first = None
        parts = []
        final = {}
        for obj in self._stream(operation, resp, url):
            piece = text_of(obj)
            if piece and first is None:
                first = self.clock()
            if piece:
                parts.append(piece)
            if obj.get('done'):
                final = obj
        end = self.clock()
        if not final:
            raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                 message='the stream ended without a final "done": true object')
        eval_count = final.get('eval_count') or 0
        eval_duration = final.get('eval_duration') or 0
        tps = round(eval_count / (eval_duration / 1e9), 2) if eval_count and eval_duration else None
        return {
            'text': ''.join(parts),
            'time_to_first_token': round(first - start, 3) if first is not None else None,
            'duration': round(end - start, 3),
            'eval_count': eval_count,
            'tokens_per_second': tps,
            'done_reason': final.get('done_reason'),
            'total_duration': final.get('total_duration'),
            'load_duration': final.get('load_duration'),
        }

    def generate(self, model, prompt, options=None, timeout=None, keep_alive=None):
        payload = {'model': model, 'prompt': prompt, 'stream': True}
        if options:
            payload['options'] = options
        if keep_alive is not None:
            payload['keep_alive'] = keep_alive
        return self._timed_stream('generate with %s' % model, PATH_GENERATE, payload,
                                  lambda o: o.get('response') or '', timeout)

    def chat(self, model, messages, options=None, timeout=None, keep_alive=None):
        payload = {'model': model, 'messages': messages, 'stream': True}
        if options:
            payload['options'] = options
        if keep_alive is not None:
            payload['keep_alive'] = keep_alive
        return self._timed_stream('chat with %s' % model, PATH_CHAT, payload,
                                  lambda o: (o.get('message') or {}).get('content') or '', timeout)

    def embed(self, model, text, timeout=None):
        payload = {'model': model, 'input': text}
        resp = self._open('embed with %s' % model, 'POST', PATH_EMBED, payload, timeout=timeout)
        try:
            data = json.loads(to_text(resp.read()))
        except ValueError:
            raise OllamaApiError('embed with %s' % model, self.url_for(PATH_EMBED), status=200,
                                 message='response is not JSON')
        return data

    # -- OpenAI-compatible ---------------------------------------------------------------------------------------
    def openai_models(self):
        data = self._json('list models (OpenAI API)', 'GET', PATH_OPENAI_MODELS)
        # Ollama serialises an empty list as null.
        return [m.get('id') for m in (data.get('data') or [])]

    def openai_chat(self, model, messages, max_tokens=None, timeout=None):
        """Streamed /v1/chat/completions (SSE). Returns text, time_to_first_token, chunks, duration."""
        operation = 'chat completion with %s (OpenAI API)' % model
        url = self.url_for(PATH_OPENAI_CHAT)
        payload = {'model': model, 'messages': messages, 'stream': True}
        if max_tokens:
            payload['max_tokens'] = max_tokens
        start = self.clock()
        resp = self._open(operation, 'POST', PATH_OPENAI_CHAT, payload, timeout=timeout)
        parts = []
        first = None
        chunks = 0
        done = False
        finish_reason = None
        try:
            for line in _iter_lines(resp):
                if not line.startswith('data:'):
                    continue  # comments (":"), event:, id:, retry: lines
                data = line[5:].strip()
                if data == '[DONE]':
                    done = True
                    break
                try:
                    obj = json.loads(data)
                except ValueError:
                    raise OllamaApiError(operation, url, status=200, partial=True, retriable=True,
                                         message='unreadable SSE data %r' % data[:200])
                if obj.get('error'):
                    raise OllamaApiError(operation, url, status=200, message=_error_message(data))
                chunks += 1
                for choice in obj.get('choices') or []:
                    piece = (choice.get('delta') or {}).get('content') or ''
                    if piece:
                        if first is None:
                            first = self.clock()
                        parts.append(piece)
                    if choice.get('finish_reason'):
                        finish_reason = choice['finish_reason']
        except (OSError, http.client.HTTPException) as e:
            raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                 message='connection lost: %s' % _connection_reason(e))
        if not done:
            raise OllamaApiError(operation, url, status=200, retriable=True, partial=True,
                                 message='the event stream ended without "data: [DONE]"')
        end = self.clock()
        return {'text': ''.join(parts), 'chunks': chunks, 'finish_reason': finish_reason,
                'time_to_first_token': round(first - start, 3) if first is not None else None,
                'duration': round(end - start, 3)}

    # -- raw ---------------------------------------------------------------------------------------------------
    def raw(self, method, path, headers=None, auth=True, payload=None):
        """One request that does not raise on an HTTP error status: returns {'status', 'headers', 'body'}.
        Used for CORS and authentication checks. Connection errors still raise OllamaApiError."""
        try:
            resp = self._open('%s %s' % (method, path), method, path, payload=payload, headers=headers, auth=auth)
        except OllamaApiError as e:
            if e.connection_error:
                raise
            return {'status': e.status, 'headers': e.headers, 'body': e.message}
        body = resp.read()
        return {'status': getattr(resp, 'status', None) or resp.getcode(), 'headers': _headers_dict(resp.headers),
                'body': to_text(body, errors='surrogate_or_replace')}
