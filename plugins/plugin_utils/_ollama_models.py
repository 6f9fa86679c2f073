# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama.ollama role and its internal filters
# (plugins/filter/_ollama.py). It is not a public API and may change in any release.
#
# Pure functions only, so the logic is unit-testable without a host.
"""The model lists of the ``localllm.ollama.ollama`` role (``ollama_models``, ``ollama_custom_models``): validation and
the names an exclusive sync keeps. Model names are checked by the collection's one grammar (module_utils/_grammar.py),
the same parser the modules use on the host."""

from __future__ import annotations

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import model_name_error

# ansible.module_utils.parsing.convert_bool's spellings: what `| bool` and a bool module option accept.
BOOLEAN_STRINGS = ("yes", "on", "1", "true", "y", "t", "no", "off", "0", "false", "n", "f")


def _is_boolean(value):
    """True for a real boolean or a value Ansible converts to one unambiguously (``'false'``, ``'yes'``, 0, 1)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value in (0, 1)
    return isinstance(value, str) and value.strip().lower() in BOOLEAN_STRINGS


def models_errors(models, custom_models=None, exclusive=False):
    """Check ollama_models / ollama_custom_models entries."""
    errors = []
    for label, entries, states in (("ollama_models", models, ("present", "absent", "latest")),
                                   ("ollama_custom_models", custom_models, ("present", "absent"))):
        if entries is None:
            continue
        if not isinstance(entries, (list, tuple)):
            errors.append("%s must be a list" % label)
            continue
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                entry = {"name": entry}
            if not isinstance(entry, dict):
                errors.append("%s[%d] must be a dict with at least 'name'" % (label, index))
                continue
            if not entry.get("name"):
                errors.append("%s[%d] has no 'name'" % (label, index))
                continue
            problem = model_name_error(entry["name"])
            if problem:
                errors.append("%s[%d]: %s" % (label, index, problem))
            if "insecure" in entry and not _is_boolean(entry["insecure"]):
                errors.append(
                    "%s[%d].insecure %r must be true or false (a string such as 'flase' is neither)"
                    % (label, index, entry["insecure"])
                )
            state = entry.get("state", "present")
            if state not in states:
                errors.append("%s[%d].state %r must be one of %s" % (label, index, state, ", ".join(states)))
            if label == "ollama_custom_models" and state != "absent":
                if not entry.get("from"):
                    errors.append("%s[%d] (%s) needs 'from' (the base model)" % (label, index, entry["name"]))
                else:
                    problem = model_name_error(entry["from"])
                    if problem and not str(entry["from"]).startswith("/"):
                        errors.append("%s[%d].from: %s" % (label, index, problem))
            unknown = set(entry) - ({"name", "state", "insecure"} if label == "ollama_models" else
                                    {"name", "state", "from", "system", "template", "parameters", "messages",
                                     "license", "adapters", "quantize"})
            if unknown:
                errors.append("%s[%d] has unknown keys: %s" % (label, index, ", ".join(sorted(unknown))))
    if exclusive:
        keep = [entry for entry in list(models or []) + list(custom_models or [])
                if (entry if isinstance(entry, str) else (entry.get("state", "present") if isinstance(entry, dict)
                                                          else "absent")) != "absent"]
        if not keep:
            errors.append(
                "ollama_models_exclusive: true with no model to keep would delete every model; list the models to "
                "keep in ollama_models or turn ollama_models_exclusive off"
            )
    return errors


def keep_models(models, custom_models=None):
    """Names of the models that stay installed (listed and not ``state: absent``), for an exclusive sync."""
    keep = []
    for entry in list(models or []) + list(custom_models or []):
        if isinstance(entry, str):
            keep.append(entry)
        elif isinstance(entry, dict) and entry.get("name") and entry.get("state", "present") != "absent":
            keep.append(entry["name"])
    return keep
