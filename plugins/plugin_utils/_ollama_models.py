# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama.ollama role and its internal filters
# (plugins/filter/_ollama.py). It is not a public API and may change in any release.
#
# Pure functions only, so the logic is unit-testable without a host.
"""The model lists of the ``localllm.ollama.ollama`` role (``ollama_models``, ``ollama_custom_models``): validation,
the plan the role hands to ``localllm.ollama.ollama_model`` (with ``ollama_model_mirror``: which name each model is
pulled as, and under which short name it is presented) and the names an exclusive sync keeps. Model names and the
mirror URL are checked by the collection's one grammar (module_utils/_grammar.py), the same parser the modules use on
the host."""

from __future__ import annotations

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import (
    MIRROR_RULES,
    has_registry_host,
    mirror_model_name,
    mirror_url_problems,
    model_key,
    model_name_error,
    parse_mirror_url,
    parse_model_name,
)

MIRROR_VARIABLE = "ollama_model_mirror"
# What each rule of the mirror URL check is called in the preflight output, and how to fix a failure.
MIRROR_RULE_TEXT = {
    "scheme": ("scheme is http or https", "write it as http://host[:port] or https://host[:port]"),
    "userinfo": ("no user:password@", "remove the user info; the mirror must allow the servers to read "
                                      "without credentials (model_mirror restricts reads by address)"),
    "path": ("no path", "remove the path: the registry must answer at the root (/v2/)"),
    "query": ("no query or fragment", "remove everything from '?' or '#'"),
    "host": ("a valid host[:port]", "give a DNS name or an IPv4 address, and a port from 1 to 65535"),
}

# ansible.module_utils.parsing.convert_bool's spellings: what `| bool` and a bool module option accept.
BOOLEAN_STRINGS = ("yes", "on", "1", "true", "y", "t", "no", "off", "0", "false", "n", "f")


def _is_boolean(value):
    """True for a real boolean or a value Ansible converts to one unambiguously (``'false'``, ``'yes'``, 0, 1)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value in (0, 1)
    return isinstance(value, str) and value.strip().lower() in BOOLEAN_STRINGS


def mirror_checks(mirror):
    """The preflight checks of ollama_model_mirror, one per rule (``_grammar.MIRROR_RULES``), each
    ``{label, ok, msg}``; every check passes when the mirror is off (empty)."""
    off = mirror is None or str(mirror).strip() == ""
    problems = {} if off else mirror_url_problems(mirror)
    checks = []
    for rule in MIRROR_RULES:
        label, fix = MIRROR_RULE_TEXT[rule]
        problem = problems.get(rule)
        checks.append({
            "label": "%s: %s" % (MIRROR_VARIABLE, label),
            "ok": problem is None,
            "msg": "" if problem is None else "%s %r is not a registry mirror URL: %s. Fix: %s (for example "
                                              "http://mirror.example.internal:5000); leave it empty to pull from "
                                              "the registries the model names say." % (MIRROR_VARIABLE, mirror,
                                                                                       problem, fix),
        })
    return checks


def _mirror(mirror):
    """MirrorURL of ollama_model_mirror, or None when it is empty or invalid (preflight reports that)."""
    if mirror is None or str(mirror).strip() == "":
        return None
    try:
        return parse_mirror_url(mirror)
    except ValueError:
        return None


def _entries(models):
    for entry in models or []:
        if isinstance(entry, str):
            entry = {"name": entry}
        if isinstance(entry, dict) and entry.get("name"):
            yield entry


def _custom_bases(custom_models):
    """The base models (``from``) of the custom models that are kept, as written; paths and other custom models
    excluded."""
    custom_keys = {model_key(entry["name"]) for entry in _entries(custom_models)}
    bases = []
    for entry in _entries(custom_models):
        base = entry.get("from")
        if (entry.get("state", "present") == "absent" or not isinstance(base, str) or not base
                or base.startswith("/") or model_key(base) in custom_keys or model_name_error(base)):
            continue
        bases.append(base)
    return bases


def models_plan(models, mirror=None, custom_models=None):
    """What the role applies with localllm.ollama.ollama_model: one dict per model, ``{name, state, insecure}``
    plus ``source`` when it is pulled through the mirror.

    Without a mirror the entries stay as written. With ``ollama_model_mirror`` set, every model whose name has no
    registry host (``llama3.1:8b``, ``acme/coder:1b``) is pulled as ``<mirror host[:port]>/<ns>/<model>:<tag>``
    (``source``) and presented under its short name (``name``, as /api/tags lists it); ``insecure`` defaults to
    "the mirror is http" and an entry's own ``insecure`` wins. Names with a host are pulled as written. The base
    models of custom models (``from``) that are not listed are added (state present), so that a custom model is
    built from a base that came through the mirror, never from upstream's registry."""
    parsed_mirror = _mirror(mirror)
    if parsed_mirror is None:
        return list(models or [])
    plan = []
    seen = set()
    for entry in list(_entries(models)) + [{"name": base} for base in _custom_bases(custom_models)]:
        name = entry["name"]
        if model_name_error(name):
            plan.append(entry)  # preflight reports it; nothing to map
            continue
        key = model_key(name)
        if key in seen:
            continue
        seen.add(key)
        item = {"name": parse_model_name(name).short, "state": entry.get("state", "present")}
        source = None if item["state"] == "absent" else mirror_model_name(name, parsed_mirror)
        if source is None:
            item["insecure"] = entry.get("insecure", False)
        else:
            item["source"] = source
            item["insecure"] = entry.get("insecure", parsed_mirror.insecure)
        plan.append(item)
    return plan


def models_errors(models, custom_models=None, exclusive=False, mirror=None):
    """Check ollama_models / ollama_custom_models entries (and, with ollama_model_mirror, that no model is listed
    both by its short name and by the name it is pulled as from the mirror)."""
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
    parsed_mirror = _mirror(mirror)
    if parsed_mirror is not None and isinstance(models, (list, tuple)):
        written = {}
        for index, entry in enumerate(models):
            name = entry if isinstance(entry, str) else (entry.get("name") if isinstance(entry, dict) else None)
            if isinstance(name, str) and not model_name_error(name) and has_registry_host(name):
                written.setdefault(model_key(name), index)
        for index, entry in enumerate(models):
            name = entry if isinstance(entry, str) else (entry.get("name") if isinstance(entry, dict) else None)
            if not isinstance(name, str) or model_name_error(name) or has_registry_host(name):
                continue
            source = mirror_model_name(name, parsed_mirror)
            if model_key(source) in written:
                errors.append(
                    "ollama_models[%d] %r is pulled from %s as %r and presented as %r, but ollama_models[%d] lists "
                    "%r itself, which the mirror pull removes again; list the model once, by its short name"
                    % (index, name, MIRROR_VARIABLE, source, parse_model_name(name).short,
                       written[model_key(source)], source))
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
    """Names of the models that stay installed (listed and not ``state: absent``), for an exclusive sync. Given
    the plan (models_plan), that includes the custom models' bases that the mirror brought in."""
    keep = []
    for entry in list(models or []) + list(custom_models or []):
        if isinstance(entry, str):
            keep.append(entry)
        elif isinstance(entry, dict) and entry.get("name") and entry.get("state", "present") != "absent":
            keep.append(entry["name"])
    return keep
