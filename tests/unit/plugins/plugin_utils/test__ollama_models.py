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
