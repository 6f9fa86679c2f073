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
