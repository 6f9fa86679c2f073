# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama filter plugins. It is not a public API and may change in
# any release.
"""How the collection's pure functions become Jinja2 filters: one error type and one wrapper for every filter."""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import ModelNameError, VersionError


class OllamaRoleError(ValueError):
    """Raised for input the role cannot work with (turned into AnsibleFilterError by the filters)."""


def as_filter(name, func):
    """Wrap ``func`` as the Jinja2 filter ``name``: bad input becomes an AnsibleFilterError that names the filter."""
    @functools.wraps(func)
    def ansible_filter(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (OllamaRoleError, ModelNameError, VersionError) as exc:
            raise AnsibleFilterError(str(exc)) from exc
        except (KeyError, TypeError) as exc:
            raise AnsibleFilterError("%s: invalid input: %s" % (name, exc)) from exc

    ansible_filter.__name__ = name
    return ansible_filter


def filter_table(functions):
    """The ``FilterModule.filters()`` dict for ``{filter name: function}``, every function wrapped by as_filter."""
    return {name: as_filter(name, func) for name, func in functions.items()}
