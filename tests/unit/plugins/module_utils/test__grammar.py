# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the collection's one grammar (plugins/module_utils/_grammar.py): model names, versions, URLs.

The modules (through _api) and the role's preflight (through the filters) use the same parser, so every name is
checked both ways here."""

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.module_utils import _api
from ansible_collections.localllm.ollama.plugins.module_utils import _grammar as grammar
from ansible_collections.localllm.ollama.plugins.module_utils._grammar import (
    ModelNameError,
    VersionError,
    has_url_userinfo,
    model_key,
    normalize_model_name,
    normalize_release_version,
    parse_model_name,
    parse_version_output,
    release_version,
    strip_brackets,
    version_key,
)


# ---------------------------------------------------------------------------------------------------------------
# model names (moved from test__api.py)
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('raw, short', [
    ('llama3.2', 'llama3.2:latest'),
    ('llama3.2:3b', 'llama3.2:3b'),
    ('LLama3.2:3B', 'LLama3.2:3B'),
    ('library/llama3.2', 'llama3.2:latest'),
    ('registry.ollama.ai/library/llama3.2:1b', 'llama3.2:1b'),
    ('https://registry.ollama.ai/library/llama3.2', 'llama3.2:latest'),
    ('user/m:tag', 'user/m:tag'),
    ('registry.ollama.ai/user/m', 'user/m:latest'),
    ('ghcr.io/ns/m:tag', 'ghcr.io/ns/m:tag'),
    ('localhost:5000/ns/m', 'localhost:5000/ns/m:latest'),
    ('127.0.0.1:5000/library/tinyllama:latest', '127.0.0.1:5000/library/tinyllama:latest'),
    ('http://127.0.0.1:5000/library/tinyllama', '127.0.0.1:5000/library/tinyllama:latest'),
    ('_under_score', '_under_score:latest'),
    ('a' * 80, 'a' * 80 + ':latest'),
])
def test_normalize_valid(raw, short):
    assert normalize_model_name(raw) == short


@pytest.mark.parametrize('raw, words', [
    ('a/b/c/d', 'at most host/namespace/model:tag'),
    ('my.org/m', 'namespace'),
    ('m:tag:x', 'tag'),
    ('-m', 'model'),
    ('m/', 'empty part'),
    ('/m', 'empty part'),
    ('m name', 'model'),
    ('m@sha256:abc', '@digest'),
    ('a' * 81, 'model'),
    ('m:', 'empty tag'),
    ('', 'non-empty'),
    (None, 'non-empty'),
    ('ftp://host/m', 'scheme'),
])
def test_normalize_invalid(raw, words):
    with pytest.raises(ValueError) as e:
        parse_model_name(raw)
    assert words in str(e.value)


def test_model_key_case_insensitive_and_invalid_fallback():
    assert model_key('LLAMA3.2') == model_key('registry.ollama.ai/library/llama3.2:latest')
    assert model_key('bad name') == 'bad name'


def test_http_scheme_is_kept_in_parse():
    assert parse_model_name('http://reg:5000/ns/m').scheme == 'http'
    assert parse_model_name('reg:5000/ns/m').scheme == 'https'


@pytest.mark.parametrize('text, tup', [
    ('0.32.15', (0, 32, 15, 1)),
    ('v0.13.5', (0, 13, 5, 1)),
    ('0.14.0-rc1', (0, 14, 0, 0)),
    ('1.2', (1, 2, 0, 1)),
])
def test_version_key(text, tup):
    assert version_key(text) == tup


def test_version_key_bad():
    with pytest.raises(ValueError):
        version_key('latest')
    assert version_key('0.14.0-rc1') < version_key('0.14.0')


# ---------------------------------------------------------------------------------------------------------------
# model names: the role's preflight messages (moved from the filter tests) and the one verdict
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "llama3.2", "llama3.2:3b", "user/m:tag", "ghcr.io/ns/m:tag", "localhost:5000/ns/m", "localhost:5000/library/m:1",
    "registry.ollama.ai/library/tinyllama:latest", "qwen2.5:0.5b", "hf.co/org/repo:Q4_K_M", "https://reg/ns/m",
])
def test_model_name_ok(name):
    assert grammar.model_name_error(name) is None


@pytest.mark.parametrize("name", [
    "a/b/c/d", "my.org/m", "m:tag:x", "-m", "m/", "m name", "m@sha256:" + "a" * 64, "m" * 81, "", "/m", "m:",
])
def test_model_name_bad(name):
    assert grammar.model_name_error(name)


# Every name either side has a case for: the preflight (model_name_error) and the module (parse_model_name) must
# agree on each, or preflight passes and the module fails on the host.
AGREEMENT = [
    "llama3.2", "llama3.2:3b", "user/m:tag", "ghcr.io/ns/m:tag", "localhost:5000/ns/m", "http://reg:5000/ns/m",
    "https://reg/ns/m", "HTTPS://reg/ns/m", "a/b/c/d", "my.org/m", "m:tag:x", "-m", "m/", "/m", "m:", "m name",
    "m@sha256:abc", "a" * 80, "a" * 81, "", "ftp://h/ns/m:1", "file://m", "1x://m", "ftp://m", "a//b", "://m",
    "hf.co/org/repo:Q4_K_M", "_under_score", "m:-tag",
]


@pytest.mark.parametrize("name", AGREEMENT)
def test_preflight_and_module_agree_on_every_name(name):
    try:
        parse_model_name(name)
        module_ok = True
    except ModelNameError:
        module_ok = False
    assert (grammar.model_name_error(name) is None) is module_ok


@pytest.mark.parametrize("name", ["ftp://h/ns/m:1", "file://m", "FTP://reg/ns/m"])
def test_regression_preflight_refuses_schemes_the_module_refuses(name):
    """Issue 16: model_name_error('ftp://h/ns/m:1') used to accept what parse_model_name rejects."""
    message = grammar.model_name_error(name)
    assert message is not None and "http:// or https://" in message and repr(name) in message
    with pytest.raises(ModelNameError, match="scheme must be http:// or https://"):
        parse_model_name(name)


@pytest.mark.parametrize("name, message", [
    ("m@sha256:abc", "'m@sha256:abc': digests (@sha256:...) are not supported in model names"),
    ("m name", "'m name': model names cannot contain whitespace"),
    ("a/b/c/d", "'a/b/c/d': too many '/' parts; the form is [host/][namespace/]model[:tag]"),
    ("my.org/m", "'my.org/m': invalid namespace part 'my.org'"),
    ("-m", "'-m': invalid model part '-m'"),
    ("m:tag:x", "'m:tag:x': invalid model part 'm:tag'"),
    ("m:", "'m:': invalid tag ''"),
    ("m:-x", "'m:-x': invalid tag '-x'"),
    ("m/", "'m/': invalid model part ''"),
    ("/m", "'/m': invalid namespace part ''"),
    ("a//b", "'a//b': invalid namespace part ''"),
    ("-h/ns/m", "'-h/ns/m': invalid host part '-h'"),
    ("", "a model name is required"),
    (None, "a model name is required"),
])
def test_preflight_messages(name, message):
    assert grammar.model_name_error(name) == message


def test_model_name_error_records_the_problem():
    with pytest.raises(ModelNameError) as info:
        parse_model_name("my.org/m")
    assert (info.value.problem, info.value.part, info.value.value) == ("bad_part", "namespace", "my.org")


def test_api_reexports_the_grammar():
    assert _api.parse_model_name is parse_model_name
    assert _api.model_key is model_key
    assert _api.parse_version is version_key
    assert _api.DEFAULT_HOST == "registry.ollama.ai"


# ---------------------------------------------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, parts", [
    ("0.32.15", (0, 32, 15)), ("v0.13.5", (0, 13, 5)), (" 0.33.0-rc2 ", (0, 33, 0)), ("1.0.0", (1, 0, 0)),
])
def test_release_version(text, parts):
    assert release_version(text) == parts


@pytest.mark.parametrize("text", ["0.32", "latest", "v1", "0.32.15.1", "0.32.15-beta", "", "1.2.x"])
def test_release_version_refuses_what_is_no_release(text):
    with pytest.raises(VersionError, match="is not an Ollama release version; use the form X.Y.Z"):
        release_version(text)


def test_normalize_release_version():
    assert normalize_release_version("v0.32.15") == "0.32.15"
    assert normalize_release_version("0.33.0-rc2") == "0.33.0-rc2"
    with pytest.raises(VersionError):
        normalize_release_version("0.32")


def test_release_and_server_versions_sort_the_same_way():
    ordered = ["0.3.7", "0.13.5", "0.14.0-rc1", "0.14.0", "0.32.15", "v0.33.0"]
    assert sorted(ordered, key=version_key) == ordered
    assert [release_version(v) for v in ordered if "-" not in v] == sorted(release_version(v) for v in ordered
                                                                           if "-" not in v)


@pytest.mark.parametrize("stdout, server, client, installed, reachable", [
    ("ollama version is 0.32.15\n", "0.32.15", "0.32.15", "0.32.15", True),
    ("ollama version is 0.13.5\nWarning: client version is 0.32.15\n", "0.13.5", "0.32.15", "0.32.15", True),
    ("Warning: could not connect to a running Ollama instance\nWarning: client version is 0.32.15\n",
     None, "0.32.15", "0.32.15", False),
    ("ollama version is 0.33.0-rc2", "0.33.0-rc2", "0.33.0-rc2", "0.33.0-rc2", True),
    ("", None, None, None, False),
    ("panic: $HOME is not defined\n\ngoroutine 1 [running]:", None, None, None, False),
])
def test_version_output(stdout, server, client, installed, reachable):
    assert parse_version_output(stdout) == {
        "server": server, "client": client, "installed": installed, "reachable": reachable,
    }


# ---------------------------------------------------------------------------------------------------------------
# URLs and addresses
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("http://user:secret@proxy:3128", True),
    ("socks5h://token@proxy", True),
    ("x=https://u:p@h/path", True),
    ("http://proxy:3128", False),
    ("user@example.com", False),
    ("", False),
    (None, False),
])
def test_has_url_userinfo(text, expected):
    assert has_url_userinfo(text) is expected


def test_redaction_uses_the_same_userinfo_pattern():
    assert _api.redact_text("GET http://u:secret@h/x failed") == "GET http://u:********@h/x failed"


@pytest.mark.parametrize("address, bare", [("[::1]", "::1"), ("::1", "::1"), ("127.0.0.1", "127.0.0.1"), ("[x", "[x")])
def test_strip_brackets(address, bare):
    assert strip_brackets(address) == bare


# --- registry mirrors (issue 14) ----------------------------------------------------------------------------------
@pytest.mark.parametrize("url, scheme, hostport, insecure", [
    ("http://mirror.example.internal:5000", "http", "mirror.example.internal:5000", True),
    ("HTTPS://Mirror.Example.Internal/", "https", "mirror.example.internal", False),
    ("http://10.0.0.5:5000/", "http", "10.0.0.5:5000", True),
])
def test_parse_mirror_url(url, scheme, hostport, insecure):
    mirror = grammar.parse_mirror_url(url)
    assert (mirror.scheme, mirror.hostport, mirror.insecure) == (scheme, hostport, insecure)


@pytest.mark.parametrize("url, rule", [
    ("ftp://m", "scheme"), ("m:5000", "scheme"), ("http://u:p@m", "userinfo"), ("http://m/v2", "path"),
    ("http://m?a", "query"), ("http://m#a", "query"), ("http://m:65536", "host"), ("http://m:", "host"),
    ("http://[::1]:5000", "host"), ("http://[::1", "host"), ("http://", "host"), ("http://a..b", "host"),
    ("http://registry.ollama.ai", "host"), ("http://1.2.3", "host"),
])
def test_mirror_url_problems_name_the_rule(url, rule):
    problems = grammar.mirror_url_problems(url)
    assert problems[rule], problems
    with pytest.raises(ValueError, match="invalid registry mirror URL"):
        grammar.parse_mirror_url(url)


@pytest.mark.parametrize("name, has_host, mirrored", [
    ("llama3.1:8b", False, "m:5000/library/llama3.1:8b"),
    ("tinyllama", False, "m:5000/library/tinyllama:latest"),
    ("acme/Coder:1B", False, "m:5000/acme/coder:1B"),
    ("registry.ollama.ai/library/x:1", True, None),
    ("localhost:5000/library/x", True, None),
    ("https://h.example/ns/x:1", True, None),
])
def test_mirror_model_name(name, has_host, mirrored):
    mirror = grammar.parse_mirror_url("http://m:5000")
    assert grammar.has_registry_host(name) is has_host
    assert grammar.mirror_model_name(name, mirror) == mirrored


def test_mirror_model_name_refuses_invalid_names():
    with pytest.raises(grammar.ModelNameError):
        grammar.mirror_model_name("a/b/c/d", grammar.parse_mirror_url("http://m:5000"))


@pytest.mark.parametrize('raw, expected', [
    ('llama3.1:8b', ('library/llama3.1', '8b')),
    ('Acme/Coder', ('acme/coder', 'latest')),
    ('registry.example.com:5000/team/model:v1', ('team/model', 'v1')),
])
def test_registry_repository_is_lower_case_namespace_and_model(raw, expected):
    assert grammar.registry_repository(raw) == expected
