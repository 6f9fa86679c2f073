# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to the localllm.ollama collection. It is not a public API, it is not
# covered by semantic versioning and it may change or disappear in any release. Do not import it from other
# collections or from playbooks.

"""The one grammar of the collection for model names, versions and URLs.

Imported by the modules (on the target, through module_utils/_api.py) and by the filters (on the controller,
through plugins/plugin_utils/), so a name the role's preflight accepts is a name the modules accept.

- Model names: ``[scheme://][host/][namespace/]model[:tag]`` as Ollama's ``types/model/name.go`` parses them, with
  Ollama's defaults (``https``, ``registry.ollama.ai``, ``library``, ``latest``); local models match ignoring case.
  ``parse_model_name`` raises ModelNameError (the modules' messages); ``model_name_error`` returns the role's
  preflight message for the same verdict.
- Versions: ``release_version`` (an Ollama release, ``0.32.15`` / ``v0.33.0-rc2``), ``version_key`` (any version
  a server reports, sortable, pre-releases before the release) and ``parse_version_output`` (``ollama -v``).
- URLs and addresses: ``strip_brackets`` (``[::1]`` -> ``::1``) and ``has_url_userinfo`` / ``URL_USERINFO_RE``
  (``scheme://user:secret@`` inside a value or a message).
- Registry mirrors: ``mirror_url_problems`` / ``parse_mirror_url`` (``http[s]://host[:port]``, one verdict per
  rule), ``has_registry_host`` and ``mirror_model_name`` (``llama3.1:8b`` -> ``<mirror>/library/llama3.1:8b``).
  The standard library's urlsplit is not used for the verdict because it raises on some inputs (a bad port, an
  unbalanced ``[``) that must become a message naming the rule.

Pure Python (the standard library only), no Ansible imports: it runs wherever Python runs.
"""

from __future__ import annotations

import collections
import re

# ---------------------------------------------------------------------------------------------------------------
# Model names (types/model/name.go)
# ---------------------------------------------------------------------------------------------------------------

DEFAULT_SCHEME = 'https'
DEFAULT_HOST = 'registry.ollama.ai'
DEFAULT_NAMESPACE = 'library'
DEFAULT_TAG = 'latest'
MODEL_SCHEMES = ('http', 'https')

HOST_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$')
NAMESPACE_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$')
PART_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$')
_SCHEME_RE = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*)://')

_PART_RULES = (
    ('host', HOST_RE, '[A-Za-z0-9_.:-], 1-350 characters'),
    ('namespace', NAMESPACE_RE, '[A-Za-z0-9_-] (no dots), 1-80 characters'),
    ('model', PART_RE, '[A-Za-z0-9_.-], 1-80 characters'),
    ('tag', PART_RE, '[A-Za-z0-9_.-], 1-80 characters'),
)


class ModelNameError(ValueError):
    """An invalid model name. ``problem`` says what is wrong (``required``, ``scheme``, ``digest``, ``empty_tag``,
    ``too_many_parts``, ``empty_part``, ``bad_part``), ``part`` and ``value`` which part, when one is to blame."""

    def __init__(self, raw, problem, message, part=None, value=None):
        super().__init__(message)
        self.raw = raw
        self.problem = problem
        self.part = part
        self.value = value


class ModelName(collections.namedtuple('ModelName', ('scheme', 'host', 'namespace', 'model', 'tag'))):
    """A parsed model reference: scheme, host, namespace, model, tag."""

    __slots__ = ()

    @property
    def short(self):
        """The shortest display form, exactly as /api/tags lists it (the tag is always kept)."""
        if self.host.lower() != DEFAULT_HOST:
            prefix = '%s/%s/' % (self.host, self.namespace)
        elif self.namespace.lower() != DEFAULT_NAMESPACE:
            prefix = '%s/' % self.namespace
        else:
            prefix = ''
        return '%s%s:%s' % (prefix, self.model, self.tag)

    @property
    def key(self):
        """Comparison key: Ollama matches local models ignoring case."""
        return self.short.lower()


def _invalid(raw, problem, detail, part=None, value=None):
    return ModelNameError(raw, problem, 'invalid model name %r: %s' % (raw, detail), part, value)


def parse_model_name(raw):
    """Parse and validate a model name; raise ModelNameError (a ValueError) with a message that says what is wrong."""
    if not isinstance(raw, str) or not raw:
        raise ModelNameError(raw, 'required', 'model name must be a non-empty string')
    name = raw
    scheme = DEFAULT_SCHEME
    match = _SCHEME_RE.match(name)
    if match:
        scheme = match.group(1).lower()
        if scheme not in MODEL_SCHEMES:
            raise _invalid(raw, 'scheme', 'scheme must be http:// or https://', 'scheme', match.group(1))
        name = name[match.end():]
    if '@' in name:
        raise _invalid(raw, 'digest', '@digest references are not supported by Ollama')
    tag = DEFAULT_TAG
    colon = name.rfind(':')
    if colon > name.rfind('/'):
        tag = name[colon + 1:]
        name = name[:colon]
        if not tag:
            raise _invalid(raw, 'empty_tag', 'empty tag after ":"', 'tag', '')
    parts = name.split('/')
    if len(parts) > 3:
        raise _invalid(raw, 'too_many_parts', 'at most host/namespace/model:tag (found %d "/"-separated parts)'
                       % len(parts))
    labels = ('model', 'namespace', 'host')
    for label, part in zip(labels, reversed(parts)):
        if part == '':
            raise _invalid(raw, 'empty_part', 'empty part next to "/"', label, '')
    model = parts[-1]
    namespace = parts[-2] if len(parts) >= 2 else DEFAULT_NAMESPACE
    host = parts[-3] if len(parts) == 3 else DEFAULT_HOST
    values = {'host': host, 'namespace': namespace, 'model': model, 'tag': tag}
    for what, regex, allowed in _PART_RULES:
        if not regex.match(values[what]):
            raise _invalid(raw, 'bad_part', '%s %r must start with [A-Za-z0-9_] and use only %s'
                           % (what, values[what], allowed), what, values[what])
    return ModelName(scheme, host, namespace, model, tag)


def normalize_model_name(raw):
    """Return the name as /api/tags shows it (":latest" added, "registry.ollama.ai/library/" dropped)."""
    return parse_model_name(raw).short


def model_key(raw):
    """Case-insensitive comparison key for a model name; falls back to the lower-cased raw name if invalid."""
    try:
        return parse_model_name(raw).key
    except ValueError:
        if isinstance(raw, bytes):
            raw = raw.decode('utf-8', 'replace')
        return str(raw).lower()


def model_name_error(name):
    """None when ``name`` is a valid Ollama model name, else the role's preflight message (same verdict as
    parse_model_name, worded for a variable in the inventory)."""
    if not isinstance(name, str) or name == '':
        return 'a model name is required'
    try:
        parse_model_name(name)
    except ModelNameError as exc:
        if exc.problem == 'digest':
            return '%r: digests (@sha256:...) are not supported in model names' % name
        if re.search(r'\s', name):
            return '%r: model names cannot contain whitespace' % name
        if exc.problem == 'scheme':
            return '%r: the scheme %r is not supported; use http:// or https:// (or no scheme)' % (name, exc.value)
        if exc.problem == 'too_many_parts':
            return "%r: too many '/' parts; the form is [host/][namespace/]model[:tag]" % name
        if exc.part == 'tag':
            return '%r: invalid tag %r' % (name, exc.value)
        return '%r: invalid %s part %r' % (name, exc.part, exc.value)
    return None


# ---------------------------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------------------------

RELEASE_VERSION_RE = re.compile(r'^v?(\d+)\.(\d+)\.(\d+)(?:-(rc\d+))?$')
_VERSION_KEY_RE = re.compile(r'^v?(\d+(?:\.\d+)*)(?:[-+~](.*))?$')


class VersionError(ValueError):
    """A string that is not the version it should be."""


def release_version(version):
    """(major, minor, patch) of an Ollama release (``0.32.15``, ``v0.33.0-rc2``); raise VersionError otherwise."""
    match = RELEASE_VERSION_RE.match(str(version).strip())
    if not match:
        raise VersionError(
            "'%s' is not an Ollama release version; use the form X.Y.Z (for example 0.32.15) or 'latest'" % version
        )
    return tuple(int(part) for part in match.group(1, 2, 3))


def normalize_release_version(version):
    """A release version without its leading ``v`` (``v0.32.15`` -> ``0.32.15``); raise VersionError if invalid."""
    version = str(version).strip()
    release_version(version)
    return version[1:] if version.startswith('v') else version


def version_key(text):
    """Sortable key of any version a server reports: '0.32.15' -> (0, 32, 15, 1); pre-release suffixes
    ('0.14.0-rc1') sort before the release (last element 0). Raise VersionError for anything else."""
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    match = _VERSION_KEY_RE.match(str(text).strip())
    if not match:
        raise VersionError('not a version: %r' % text)
    nums = tuple(int(x) for x in match.group(1).split('.'))
    nums = nums + (0,) * (3 - len(nums)) if len(nums) < 3 else nums
    return nums + ((0,) if match.group(2) else (1,))


def parse_version_output(stdout):
    """Parse ``ollama -v`` stdout (ollama-server.md section 8).

    Returns ``{'server': X|None, 'client': X|None, 'installed': X|None, 'reachable': bool}`` where ``installed``
    is the version of the binary itself (the client version), which is what decides an upgrade.
    """
    stdout = stdout or ''
    server = re.search(r'ollama version is (\S+)', stdout)
    client = re.search(r'client version is (\S+)', stdout)
    unreachable = 'could not connect to a running Ollama instance' in stdout
    server_v = server.group(1) if server else None
    client_v = client.group(1) if client else None
    # Without the warning line the server and the client are the same binary version.
    return {
        'server': server_v,
        'client': client_v if client_v else server_v,
        'installed': client_v or server_v,
        'reachable': bool(server) and not unreachable,
    }


# ---------------------------------------------------------------------------------------------------------------
# URLs and addresses
# ---------------------------------------------------------------------------------------------------------------

# scheme://userinfo@ inside free text (a value, an error message that quotes a URL).
URL_USERINFO_RE = re.compile(r'(?i)([a-z][a-z0-9+.-]*://)([^/?#@\s]*)@')


def has_url_userinfo(text):
    """True when ``text`` contains a URL with user info (``scheme://user:secret@host``)."""
    return bool(URL_USERINFO_RE.search('' if text is None else str(text)))


def strip_brackets(address):
    """An address without the brackets of an IPv6 literal: ``[::1]`` -> ``::1``; other values unchanged."""
    address = str(address)
    return address[1:-1] if address.startswith('[') and address.endswith(']') else address


# ---------------------------------------------------------------------------------------------------------------
# Registry mirrors (ollama_model_mirror) and the names pulled through them
# ---------------------------------------------------------------------------------------------------------------

MIRROR_SCHEMES = ('http', 'https')
_URL_SCHEME_RE = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*)://')
_DNS_LABEL_RE = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')
_IPV4_RE = re.compile(r'^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$')
# The rules a mirror URL is checked against, in the order the role's preflight reports them.
MIRROR_RULES = ('scheme', 'userinfo', 'path', 'query', 'host')


class MirrorURL(collections.namedtuple('MirrorURL', ('scheme', 'host', 'port'))):
    """A registry mirror: scheme (http/https), host (lower case) and port (None = the scheme's default)."""

    __slots__ = ()

    @property
    def hostport(self):
        """host[:port], the host part of the model names pulled through the mirror."""
        return self.host if self.port is None else '%s:%d' % (self.host, self.port)

    @property
    def insecure(self):
        """Ollama pulls from a plain-HTTP registry only with insecure: true."""
        return self.scheme == 'http'


def _host_problem(host):
    """None for a DNS name or an IPv4 address that can be the host part of an Ollama model name, else the reason."""
    if not host:
        return 'there is no host name'
    if host.startswith('['):
        return ('an IPv6 address cannot be the host part of an Ollama model name (host/namespace/model:tag); '
                'use a DNS name or an IPv4 address')
    if host.lower() == DEFAULT_HOST:
        return ('%s is upstream\'s registry itself, not a mirror; leave the variable empty to pull from it'
                % DEFAULT_HOST)
    ipv4 = _IPV4_RE.match(host)
    if ipv4:
        if any(int(octet) > 255 for octet in ipv4.groups()):
            return '%r is not an IPv4 address' % host
        return None
    labels = host.rstrip('.').split('.')
    if len(host) > 253 or not all(_DNS_LABEL_RE.match(label) for label in labels) or labels[-1].isdigit():
        return ('%r is not a valid host name (labels of letters, digits and "-", separated by ".")' % host)
    return None


def mirror_url_problems(url):
    """Check a registry mirror URL ``http[s]://host[:port]``. Returns {rule: problem or None} for every rule of
    MIRROR_RULES (scheme, userinfo, path, query, host), so each rule can be reported on its own."""
    problems = dict((rule, None) for rule in MIRROR_RULES)
    text = '' if url is None else str(url).strip()
    match = _URL_SCHEME_RE.match(text)
    if not match:
        problems['scheme'] = 'it does not start with http:// or https://'
        # check the rest as if the scheme were there, so every other mistake is reported too
        text = 'http://' + text
    elif match.group(1).lower() not in MIRROR_SCHEMES:
        problems['scheme'] = 'the scheme %r is not http or https' % match.group(1)
    rest = text[text.index('://') + 3:]
    # netloc ends at the first "/", "?" or "#" (RFC 3986); urlsplit would do the same, but it also raises on some
    # inputs (a bad port, an unbalanced "["), which must become a message instead.
    end = min([i for i in (rest.find('/'), rest.find('?'), rest.find('#')) if i >= 0] or [len(rest)])
    netloc, tail = rest[:end], rest[end:]
    if '@' in netloc:
        problems['userinfo'] = ('it carries user info (user:password@); a mirror is read without credentials, and '
                                'credentials in a URL end up in logs')
        netloc = netloc.rsplit('@', 1)[1]
    path = tail.split('?', 1)[0].split('#', 1)[0]
    if path not in ('', '/'):
        problems['path'] = ('it has the path %r; Ollama pulls host[:port]/namespace/model:tag, so a registry under '
                            'a path cannot be used' % path)
    if '?' in tail or '#' in tail:
        problems['query'] = 'it has a query (?...) or a fragment (#...)'
    host, port = netloc, None
    if netloc.startswith('['):
        host = netloc.split(']', 1)[0] + ']'
    elif ':' in netloc:
        host, port_text = netloc.rsplit(':', 1)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            problems['host'] = 'the port %r is not a number from 1 to 65535' % port_text
        else:
            port = int(port_text)
    if problems['host'] is None:
        problems['host'] = _host_problem(host)
    if problems['host'] is None and not HOST_RE.match(host if port is None else '%s:%d' % (host, port)):
        problems['host'] = '%r cannot be the host part of an Ollama model name' % netloc
    return problems


def parse_mirror_url(url):
    """MirrorURL of a valid mirror URL; raise ValueError naming the first problem otherwise."""
    problems = mirror_url_problems(url)
    for rule in MIRROR_RULES:
        if problems[rule]:
            raise ValueError('invalid registry mirror URL %r: %s' % (url, problems[rule]))
    text = str(url).strip()
    scheme, rest = text.split('://', 1)
    netloc = rest.split('/', 1)[0]
    host, dummy, port = netloc.partition(':')  # no IPv6 literal here: the host rule refuses them
    return MirrorURL(scheme.lower(), host.lower().rstrip('.'), int(port) if port else None)


def has_registry_host(raw):
    """True when a (valid) model name names its registry host (``host/namespace/model[:tag]``, or a scheme);
    ``llama3.1:8b`` and ``acme/coder:1b`` do not."""
    parse_model_name(raw)
    name = raw
    if _SCHEME_RE.match(name):
        return True
    colon = name.rfind(':')
    if colon > name.rfind('/'):
        name = name[:colon]
    return len(name.split('/')) == 3


def registry_repository(raw):
    """(repository, tag) under which a registry stores model ``raw``: ``llama3.1:8b`` -> (``library/llama3.1``,
    ``8b``). Namespace and model in lower case: a Docker v2 registry accepts lower-case repository names only, and
    Ollama matches local names ignoring case. The registry host of a fully qualified name is not part of it.
    Raise ModelNameError for an invalid name."""
    parsed = parse_model_name(raw)
    return '%s/%s' % (parsed.namespace.lower(), parsed.model.lower()), parsed.tag


def mirror_model_name(raw, mirror):
    """The name a model without a registry host is pulled as from ``mirror`` (a MirrorURL):
    ``llama3.1:8b`` -> ``<host[:port]>/library/llama3.1:8b`` (namespace and model in lower case, as a registry
    wants them). None for a name that names its host (pulled as
    written). Raise ModelNameError for an invalid name."""
    if has_registry_host(raw):
        return None
    return '%s/%s:%s' % ((mirror.hostport,) + registry_repository(raw))
