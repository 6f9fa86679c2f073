# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the model lists of the localllm.ollama.ollama role (plugins/plugin_utils/_ollama_models.py)."""

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_models as logic


def test_models_errors_ok():
    models = ["llama3.2", {"name": "localhost:5000/library/tinyllama:latest", "insecure": True},
              {"name": "old", "state": "absent"}, {"name": "x", "state": "latest"}]
    custom = [{"name": "assistant", "from": "llama3.2", "system": "hi", "parameters": {"temperature": 0.2}},
              {"name": "gone", "state": "absent"}]
    assert logic.models_errors(models, custom, True) == []


@pytest.mark.parametrize("models, custom, exclusive, fragment", [
    ([{"state": "present"}], [], False, "has no 'name'"),
    ([{"name": ""}], [], False, "has no 'name'"),
    ([{"name": "m name"}], [], False, "whitespace"),
    ([{"name": "m", "state": "pulled"}], [], False, "must be one of present, absent, latest"),
    ([{"name": "m", "insecure": True, "tag": "x"}], [], False, "unknown keys: tag"),
    ([5], [], False, "must be a dict"),
    ([], [{"name": "c"}], False, "needs 'from'"),
    ([], [{"name": "c", "from": "a/b/c/d"}], False, ".from:"),
    ([], [{"name": "c", "from": "m", "state": "latest"}], False, "must be one of present, absent"),
    ([], [], True, "would delete every model"),
    ([{"name": "m", "state": "absent"}], [], True, "would delete every model"),
    ("m", [], False, "must be a list"),
])
def test_models_errors(models, custom, exclusive, fragment):
    errors = logic.models_errors(models, custom, exclusive)
    assert len(errors) == 1 and fragment in errors[0], errors


def test_keep_models():
    models = ["a", {"name": "b"}, {"name": "c", "state": "absent"}, {"name": "d", "state": "latest"}, {"state": "x"}]
    custom = [{"name": "e", "from": "a"}, {"name": "f", "state": "absent"}]
    assert logic.keep_models(models, custom) == ["a", "b", "d", "e"]
    assert logic.keep_models([], None) == []


# --- item 3 (ollama role): boolean flags in the model lists
@pytest.mark.parametrize("insecure", [True, False, "true", "false", "yes", "no", 0, 1])
def test_models_insecure_booleans_ok(insecure):
    assert logic.models_errors([{"name": "localhost:5000/library/m:1", "insecure": insecure}]) == []


@pytest.mark.parametrize("insecure", ["flase", "maybe", "", 2, None, [True]])
def test_models_insecure_non_boolean_refused(insecure):
    errors = logic.models_errors([{"name": "localhost:5000/library/m:1", "insecure": insecure}])
    assert len(errors) == 1 and "ollama_models[0].insecure" in errors[0] and "true or false" in errors[0], errors


# --- issue 14: ollama_model_mirror (a site registry mirror) ------------------------------------------------------
MIRROR = "http://mirror.example.internal:5000"


def test_plan_without_mirror_keeps_the_entries_as_written():
    models = ["llama3.1:8b", {"name": "localhost:5000/library/m", "insecure": True}]
    assert logic.models_plan(models, "", [{"name": "c", "from": "base"}]) == models
    assert logic.models_plan(models, None) == models


def test_plan_pulls_short_names_through_the_mirror_and_presents_the_short_name():
    models = ["llama3.1:8b", {"name": "acme/coder:1b", "state": "latest"}, {"name": "Qwen2.5"},
              {"name": "registry.example.com/team/m:1", "insecure": True}, {"name": "old", "state": "absent"},
              {"name": "registry.ollama.ai/library/upstream:1"}]
    assert logic.models_plan(models, MIRROR) == [
        {"name": "llama3.1:8b", "state": "present", "insecure": True,
         "source": "mirror.example.internal:5000/library/llama3.1:8b"},
        {"name": "acme/coder:1b", "state": "latest", "insecure": True,
         "source": "mirror.example.internal:5000/acme/coder:1b"},
        {"name": "Qwen2.5:latest", "state": "present", "insecure": True,
         "source": "mirror.example.internal:5000/library/qwen2.5:latest"},
        # a name with a registry host is pulled as written (its own insecure, default false)
        {"name": "registry.example.com/team/m:1", "state": "present", "insecure": True},
        # absent: deleted by its short name, nothing to pull
        {"name": "old:latest", "state": "absent", "insecure": False},
        # upstream named explicitly: pulled from upstream, as written
        {"name": "upstream:1", "state": "present", "insecure": False},
    ]


def test_plan_insecure_follows_the_mirror_scheme_unless_the_entry_says():
    https = "https://Mirror.Example.Internal/"
    assert logic.models_plan(["m:1", {"name": "n:1", "insecure": True}], https) == [
        {"name": "m:1", "state": "present", "insecure": False, "source": "mirror.example.internal/library/m:1"},
        {"name": "n:1", "state": "present", "insecure": True, "source": "mirror.example.internal/library/n:1"},
    ]
    assert logic.models_plan([{"name": "m:1", "insecure": False}], MIRROR)[0]["insecure"] is False


def test_plan_dedupes_by_ollama_name_matching():
    plan = logic.models_plan(["tinyllama", "TinyLlama:latest", {"name": "tinyllama:latest"}], MIRROR)
    assert [p["name"] for p in plan] == ["tinyllama:latest"]


def test_plan_adds_the_custom_models_bases_through_the_mirror():
    custom = [{"name": "assistant", "from": "llama3.2:3b"}, {"name": "assistant2", "from": "assistant"},
              {"name": "gone", "from": "gone-base", "state": "absent"}, {"name": "file", "from": "/srv/w.gguf"},
              {"name": "listed", "from": "llama3.1:8b"}]
    plan = logic.models_plan(["llama3.1:8b"], MIRROR, custom)
    assert plan == [
        {"name": "llama3.1:8b", "state": "present", "insecure": True,
         "source": "mirror.example.internal:5000/library/llama3.1:8b"},
        {"name": "llama3.2:3b", "state": "present", "insecure": True,
         "source": "mirror.example.internal:5000/library/llama3.2:3b"},
    ]
    # the exclusive sync keeps what the plan pulled, by the names the server lists
    assert logic.keep_models(plan, custom) == ["llama3.1:8b", "llama3.2:3b", "assistant", "assistant2", "file",
                                               "listed"]


def test_plan_leaves_invalid_names_to_preflight():
    assert logic.models_plan([{"name": "Bad Model!!"}], MIRROR) == [{"name": "Bad Model!!"}]
    # an invalid mirror is reported by mirror_checks; the plan does not guess
    assert logic.models_plan(["m"], "ftp://mirror") == ["m"]


def test_mirror_checks_all_pass_when_off_or_valid():
    for value in ("", None, MIRROR, "https://mirror.example.internal", "http://10.0.0.5:5000/"):
        checks = logic.mirror_checks(value)
        assert [c["ok"] for c in checks] == [True] * 5, (value, checks)
    assert [c["label"] for c in logic.mirror_checks(MIRROR)] == [
        "ollama_model_mirror: scheme is http or https", "ollama_model_mirror: no user:password@",
        "ollama_model_mirror: no path", "ollama_model_mirror: no query or fragment",
        "ollama_model_mirror: a valid host[:port]"]


@pytest.mark.parametrize("value, failing, words", [
    ("ftp://mirror:5000", ["scheme"], ["'ftp' is not http or https", "http://host[:port]"]),
    ("mirror:5000", ["scheme"], ["does not start with http:// or https://"]),
    ("http://mirror:5000/v2/library", ["path"], ["the path '/v2/library'", "remove the path"]),
    ("http://puller:secret@mirror:5000", ["userinfo"], ["user info", "remove the user info"]),
    ("http://mirror:5000/?x=1", ["query"], ["query", "'?' or '#'"]),
    ("http://mirror:5000#top", ["query"], ["fragment"]),
    ("http://mirror:0", ["host"], ["port '0'"]),
    ("http://mirror:http", ["host"], ["port 'http'"]),
    ("http://[fd00::1]:5000", ["host"], ["IPv6"]),
    ("http://-bad-.example", ["host"], ["not a valid host name"]),
    ("http://300.1.1.1:5000", ["host"], ["not an IPv4 address"]),
    ("https://registry.ollama.ai", ["host"], ["upstream's registry itself"]),
    ("ftp://u:p@mirror/x?y", ["scheme", "userinfo", "path", "query"], ["ftp"]),
])
def test_mirror_checks_one_message_per_rule(value, failing, words):
    checks = dict((c["label"].split(": ", 1)[1], c) for c in logic.mirror_checks(value))
    rules = dict(zip(("scheme", "userinfo", "path", "query", "host"), checks.values()))
    assert sorted(rule for rule, c in rules.items() if not c["ok"]) == sorted(failing), checks
    for rule in failing:
        assert rules[rule]["msg"].startswith("ollama_model_mirror %r is not a registry mirror URL" % value)
    text = " ".join(rules[rule]["msg"] for rule in failing)
    for word in words:
        assert word in text, (word, text)


def test_models_errors_refuse_a_model_listed_by_both_names():
    models = ["tinyllama", {"name": "mirror.example.internal:5000/library/tinyllama:latest", "insecure": True}]
    errors = logic.models_errors(models, mirror=MIRROR)
    assert len(errors) == 1, errors
    assert ("ollama_models[0] 'tinyllama' is pulled from ollama_model_mirror as "
            "'mirror.example.internal:5000/library/tinyllama:latest'") in errors[0]
    assert "ollama_models[1] lists" in errors[0] and "list the model once, by its short name" in errors[0]
    # without the mirror (or with another one) the two names are two models
    assert logic.models_errors(models) == []
    assert logic.models_errors(models, mirror="http://other:5000") == []
