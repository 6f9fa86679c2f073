# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the internal filters of the localllm.ollama.model_mirror role (plugins/filter/_model_mirror.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.localllm.ollama.plugins.filter import _model_mirror

FILTERS = _model_mirror.FilterModule().filters()


@pytest.mark.parametrize(("name", "repository", "reference"), [
    ("llama3.1:8b", "library/llama3.1", "8b"),
    ("llama3.1", "library/llama3.1", "latest"),
    ("acme/Coder:1b", "acme/coder", "1b"),
    ("registry.ollama.ai/library/qwen3:8b", "library/qwen3", "8b"),
    ("127.0.0.1:5001/library/tinyllama:latest", "library/tinyllama", "latest"),
    ("http://10.0.0.5:5000/team/helper:v2", "team/helper", "v2"),
])
def test_seed_drops_the_registry_host_and_fills_the_defaults(name, repository, reference):
    [entry] = FILTERS["_model_mirror_seed"]([name])
    assert entry == {"source": name, "repository": repository, "reference": reference,
                     "mirror_name": "%s:%s" % (repository, reference)}


def test_seed_keeps_the_order():
    out = FILTERS["_model_mirror_seed"](["b:1", "a:2"])
    assert [e["source"] for e in out] == ["b:1", "a:2"]


def test_seed_of_an_invalid_name_raises_a_filter_error():
    with pytest.raises(AnsibleFilterError):
        FILTERS["_model_mirror_seed"](["bad name"])


def test_valid_models_have_no_errors():
    assert FILTERS["_model_mirror_model_errors"](["llama3.1:8b", "acme/coder:1b", "localhost:5000/library/x"]) == []


@pytest.mark.parametrize(("models", "expected"), [
    (["llama 3"], "model_mirror_models[0]: 'llama 3': model names cannot contain whitespace"),
    (["ok", ""], "model_mirror_models[1]: a model name is required"),
    (["x@sha256:abc"], "model_mirror_models[0]: 'x@sha256:abc': digests (@sha256:...) are not supported"),
    (["a/b/c/d"], "too many '/' parts"),
])
def test_invalid_names_get_the_grammars_message_with_the_index(models, expected):
    errors = FILTERS["_model_mirror_model_errors"](models)
    assert len(errors) == 1
    assert expected in errors[0]


def test_two_names_for_one_mirror_name_are_refused():
    errors = FILTERS["_model_mirror_model_errors"](["llama3.1:8b", "registry.ollama.ai/library/Llama3.1:8b"])
    assert len(errors) == 1
    assert "model_mirror_models[0]" in errors[0] and "model_mirror_models[1]" in errors[0]
    assert "library/llama3.1:8b" in errors[0]


def test_not_a_list_is_refused():
    assert "must be a list" in FILTERS["_model_mirror_model_errors"]("llama3.1:8b")[0]


@pytest.mark.parametrize("url", ["", "https://mirror.example.com", "http://127.0.0.1:5000/"])
def test_good_or_empty_upload_urls_have_no_error(url):
    assert _model_mirror.upload_url_error(url) == ""


@pytest.mark.parametrize("url, words", [
    ("https://mirror.example.com/v2", "has a path, query or fragment"),
    ("https://seeder:pw@mirror.example.com", "carries user info"),
    ("mirror.example.com", "must be http://host[:port]"),
])
def test_bad_upload_urls_get_the_upload_modules_message(url, words):
    message = _model_mirror.upload_url_error(url)
    assert words in message
    assert "pw@" not in message
