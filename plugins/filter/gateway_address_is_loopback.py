# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter gateway_address_is_loopback for the localllm.ollama.gateway role (stdlib ipaddress only)."""

from __future__ import annotations

import ipaddress

DOCUMENTATION = r"""
name: gateway_address_is_loopback
short_description: Tell whether an address is loopback
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - True for a loopback IP literal (C(127.0.0.0/8), C(::1)) or C(localhost); false for other host names.
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
    that: gateway_listen_address | localllm.ollama.gateway_address_is_loopback
"""

RETURN = r"""
_value:
  description: Whether the address matches.
  type: bool
"""


def _address(value):
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return ipaddress.ip_address(text)


def gateway_address_is_loopback(value):
    """True when ``value`` is a loopback IP literal or the name localhost."""
    if str(value).strip().lower() == "localhost":
        return True
    try:
        return _address(value).is_loopback
    except ValueError:
        return False


class FilterModule(object):
    """gateway_address_is_loopback"""

    def filters(self):
        return {"gateway_address_is_loopback": gateway_address_is_loopback}
