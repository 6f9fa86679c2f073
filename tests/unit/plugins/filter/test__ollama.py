# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the internal filters of the localllm.ollama.ollama role (plugins/filter/_ollama.py): the filter table
and the error plumbing. The logic behind each filter is tested in tests/unit/plugins/plugin_utils/."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.localllm.ollama.plugins.filter import _ollama
from ansible_collections.localllm.ollama.plugins.module_utils._grammar import ModelNameError, VersionError
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError, as_filter

FILTERS = _ollama.FilterModule().filters()


def test_the_role_filters_are_internal_and_in_one_file():
    assert sorted(FILTERS) == [
        "_ollama_account_in_place", "_ollama_arch", "_ollama_archive_name", "_ollama_archive_plan", "_ollama_connect_url",
        "_ollama_container_errors", "_ollama_container_guard", "_ollama_container_port", "_ollama_container_tag",
        "_ollama_env_split", "_ollama_expected_checksums", "_ollama_host_state", "_ollama_keep_models",
        "_ollama_managed_dirs", "_ollama_mirror_checks",
        "_ollama_model_tiers_errors", "_ollama_models_errors", "_ollama_models_plan", "_ollama_path_parents", "_ollama_service_env",
        "_ollama_settings_errors", "_ollama_systemd_env", "_ollama_systemd_envfile", "_ollama_systemd_path",
        "_ollama_version_errors", "_ollama_version_parse",
    ]
    # the module docstring lists every filter, one line each, and says the file is internal
    assert "not a public API" in _ollama.__doc__
    for name in FILTERS:
        assert "``%s``" % name in _ollama.__doc__, name


@pytest.mark.parametrize("name", sorted(_ollama.FILTERS))
def test_every_filter_wraps_its_function(name):
    assert FILTERS[name].__name__ == name
    assert FILTERS[name].__wrapped__ is _ollama.FILTERS[name]


def test_filter_names_the_filter_for_malformed_input():
    with pytest.raises(AnsibleFilterError, match="^_ollama_archive_plan: invalid input: 'version'"):
        FILTERS["_ollama_archive_plan"]({"arch": "x86_64"})
    with pytest.raises(AnsibleFilterError, match="^_ollama_keep_models: invalid input"):
        FILTERS["_ollama_keep_models"](5)


def _raise(exc):
    raise exc


def test_as_filter_turns_role_and_grammar_errors_into_filter_errors():
    for exc in (OllamaRoleError("bad input"), VersionError("bad input"), ModelNameError("x", "digest", "bad input")):
        with pytest.raises(AnsibleFilterError, match="^bad input$"):
            as_filter("_probe", _raise)(exc)


def test_as_filter_passes_other_errors_through():
    with pytest.raises(RuntimeError):
        as_filter("_probe", _raise)(RuntimeError("not ours"))


def test_filter_turns_role_errors_into_filter_errors():
    with pytest.raises(AnsibleFilterError, match="not supported"):
        FILTERS["_ollama_arch"]("ppc64le")
    with pytest.raises(AnsibleFilterError, match="not an Ollama release version"):
        FILTERS["_ollama_archive_name"]("0.32", "x86_64")


def test_plan_filter_raises_filter_error():
    with pytest.raises(AnsibleFilterError, match="mutually exclusive"):
        FILTERS["_ollama_archive_plan"]({"version": "0.32.15", "arch": "x86_64", "src": "/a", "url": "http://x"})


def test_systemd_env_refuses_newlines_and_bad_names():
    with pytest.raises(AnsibleFilterError, match="newline"):
        FILTERS["_ollama_systemd_env"]({"A": "x\ny"})
    with pytest.raises(AnsibleFilterError, match="not a valid environment variable name"):
        FILTERS["_ollama_systemd_env"]({"A B": "x"})


def test_envfile_refuses_newlines_and_bad_names():
    with pytest.raises(AnsibleFilterError, match="newline"):
        FILTERS["_ollama_systemd_envfile"]({"A": "x\ny"})
    with pytest.raises(AnsibleFilterError, match="not a valid environment variable name"):
        FILTERS["_ollama_systemd_envfile"]({"A B": "x"})
