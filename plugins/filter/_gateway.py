# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Internal to localllm.ollama.gateway: not a public API, may change in any release.

Filters:

- ``_gateway_cidr_errors``: the entries of a list that nginx ``allow``/``deny`` would reject (also used by the
  localllm.ollama.firewall preflight for its CIDR lists).
- ``_gateway_address_is_private``: whether an address is loopback, private or link-local (plain HTTP is allowed on
  such addresses only).
- ``_gateway_host_state``: parse the one read-only look at a gateway host (roles/gateway/files/host-state.sh;
  plugins/plugin_utils/_gateway_host_state.py).
- ``_gateway_packages_installed``: whether every wanted package is installed already (the apt task is skipped).
- ``_gateway_files_not_in_place``: the files that do not have the wanted owner, group and mode yet.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import strip_brackets
from ansible_collections.localllm.ollama.plugins.plugin_utils import _gateway_host_state as host_state
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import filter_table


def _network(value):
    text = str(value).strip()
    if not text or text != str(value):
        raise ValueError(value)
    return ipaddress.ip_network(text, strict=True)


def cidr_errors(values):
    """Return the entries of ``values`` that are not a valid address or CIDR, as strings (empty: all valid).

    Strict: host bits set in a CIDR (10.0.0.1/8) are an error, because nginx silently widens such a network."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)):
        values = [values]
    errors = []
    for value in values:
        try:
            _network(value)
        except (ValueError, TypeError):
            errors.append(str(value))
    return errors


def _address(value):
    return ipaddress.ip_address(strip_brackets(str(value).strip()))


def address_is_loopback(value):
    """True when ``value`` is a loopback IP literal (127.0.0.0/8, ::1, brackets allowed) or the name localhost."""
    if str(value).strip().lower() == "localhost":
        return True
    try:
        return _address(value).is_loopback
    except ValueError:
        return False


def address_is_private(value):
    """True when ``value`` is a loopback, RFC 1918/4193 private or link-local IP literal (or localhost).

    The unspecified address (0.0.0.0, ::) is NOT private: it listens on every interface, public ones included.
    Hostnames other than localhost are not private: the role cannot know what they resolve to.
    """
    if address_is_loopback(value):
        return True
    try:
        address = _address(value)
    except ValueError:
        return False
    if address.is_unspecified:
        return False
    return bool(address.is_private or address.is_link_local)


class FilterModule(object):
    """Internal filters of the localllm.ollama.gateway role."""

    def filters(self):
        return filter_table({
            "_gateway_cidr_errors": cidr_errors,
            "_gateway_address_is_private": address_is_private,
            "_gateway_host_state": host_state.host_state,
            "_gateway_packages_installed": host_state.packages_installed,
            "_gateway_files_not_in_place": host_state.files_not_in_place,
        })
