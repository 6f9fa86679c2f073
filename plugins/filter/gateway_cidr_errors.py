# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter gateway_cidr_errors for the localllm.ollama.gateway role (stdlib ipaddress only, no netaddr)."""

from __future__ import annotations

import ipaddress

DOCUMENTATION = r"""
name: gateway_cidr_errors
short_description: List the entries of a list that are not valid IPv4/IPv6 addresses or CIDRs
version_added: 1.0.0
author: localllm maintainers (@localllm)
description:
  - Returns the entries (as strings) that nginx C(allow)/C(deny) would reject; an empty list means all are valid.
  - Host bits set in a CIDR (C(10.0.0.1/8)) are an error, because nginx silently widens such a network.
options:
  _input:
    description: List of addresses or CIDRs.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Fail on bad CIDRs
  ansible.builtin.assert:
    that: (gateway_allow_cidrs | localllm.ollama.gateway_cidr_errors) == []
"""

RETURN = r"""
_value:
  description: The invalid entries, in input order.
  type: list
  elements: str
"""


def _network(value):
    text = str(value).strip()
    if not text or text != str(value):
        raise ValueError(value)
    return ipaddress.ip_network(text, strict=True)


def gateway_cidr_errors(values):
    """Return the entries of ``values`` that are not a valid address or CIDR (strict: no host bits)."""
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


class FilterModule(object):
    """gateway_cidr_errors"""

    def filters(self):
        return {"gateway_cidr_errors": gateway_cidr_errors}
