# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter gateway_address_is_private for the localllm.ollama.gateway role (stdlib ipaddress only)."""

from __future__ import annotations


DOCUMENTATION = r"""
name: gateway_address_is_private
short_description: Tell whether an address is loopback or private
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - True for a loopback, RFC 1918/4193 private or link-local IP literal, or C(localhost).
  - The unspecified address (C(0.0.0.0), C(::)) and other host names are not private.
  - Used by the localllm.ollama.gateway preflight (plain HTTP is only allowed on private addresses).
options:
  _input:
    description: An IPv4/IPv6 literal (brackets allowed) or a host name.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse plain HTTP on a public address
  ansible.builtin.assert:
    that: gateway_listen_address | localllm.ollama.gateway_address_is_private
"""

RETURN = r"""
_value:
  description: Whether the address matches.
  type: bool
"""


# one parser for both filters: loopback is the first half of "private"
from ansible_collections.localllm.ollama.plugins.filter.gateway_address_is_loopback import _address, gateway_address_is_loopback


def gateway_address_is_private(value):
    """True when ``value`` is a loopback, RFC 1918/4193 private or link-local IP literal (or localhost).

    The unspecified address (0.0.0.0, ::) is NOT private: it listens on every interface, public ones included.
    Hostnames other than localhost are not private: the role cannot know what they resolve to.
    """
    if gateway_address_is_loopback(value):
        return True
    try:
        address = _address(value)
    except ValueError:
        return False
    if address.is_unspecified:
        return False
    return bool(address.is_private or address.is_link_local)


class FilterModule(object):
    """gateway_address_is_private"""

    def filters(self):
        return {"gateway_address_is_private": gateway_address_is_private}
