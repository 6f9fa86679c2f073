# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Internal to localllm.ollama.model_mirror: not a public API, may change in any release.

Filters (model names are parsed by plugins/module_utils/_grammar.py, the grammar of the modules and the ollama
role, so the mirror stores a model under the name the servers ask for):

- ``_model_mirror_seed``: model_mirror_models as ``{source, repository, reference}``: the name pulled, and where it
  goes in the mirror's registry (``llama3.1:8b`` -> ``library/llama3.1`` + ``8b``; the registry host of a fully
  qualified name is dropped).
- ``_model_mirror_model_errors``: one message per entry of model_mirror_models that is not a model name, or that
  would land on the same registry name as an earlier entry.
- ``_model_mirror_upload_url_error``: the message localllm.ollama.ollama_registry_model would give for
  model_mirror_upload_url ('' when it is empty or good).
"""

from __future__ import annotations

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import model_name_error, registry_repository
from ansible_collections.localllm.ollama.plugins.module_utils._registry import registry_base_url_error
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import filter_table


def seed(models):
    """The seeding plan of ``model_mirror_models`` (a list of names; preflight has checked them)."""
    out = []
    for name in models or []:
        repository, reference = registry_repository(name)
        out.append({"source": name, "repository": repository, "reference": reference,
                    "mirror_name": "%s:%s" % (repository, reference)})
    return out


def model_errors(models):
    """Messages for the entries of ``models`` that cannot be seeded ([] when all can)."""
    if not isinstance(models, (list, tuple)):
        return ["model_mirror_models must be a list of model names (it is %r)" % (models,)]
    errors = []
    seen = {}
    for index, name in enumerate(models):
        problem = model_name_error(name)
        if problem:
            errors.append("model_mirror_models[%d]: %s" % (index, problem))
            continue
        target = "%s:%s" % registry_repository(name)
        if target in seen:
            errors.append("model_mirror_models[%d] (%r) and model_mirror_models[%d] (%r) both become %r in the "
                          "mirror; list the model once" % (seen[target][0], seen[target][1], index, name, target))
        else:
            seen[target] = (index, name)
    return errors


def upload_url_error(url):
    """'' when ``url`` (model_mirror_upload_url) is empty or a registry URL ollama_registry_model accepts, else the
    module's own message, so preflight and the upload apply one rule."""
    if not url:
        return ""
    return registry_base_url_error(url) or ""


class FilterModule(object):
    """Internal filters of the localllm.ollama.model_mirror role."""

    def filters(self):
        return filter_table({
            "_model_mirror_seed": seed,
            "_model_mirror_model_errors": model_errors,
            "_model_mirror_upload_url_error": upload_url_error,
        })
