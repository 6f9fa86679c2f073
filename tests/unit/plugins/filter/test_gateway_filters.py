# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.filter import (
    gateway_address_is_loopback as loopback_plugin,
    gateway_address_is_private as private_plugin,
    gateway_cidr_errors as cidr_plugin,
)
from ansible_collections.localllm.ollama.plugins.filter.gateway_address_is_loopback import gateway_address_is_loopback
from ansible_collections.localllm.ollama.plugins.filter.gateway_address_is_private import gateway_address_is_private
from ansible_collections.localllm.ollama.plugins.filter.gateway_cidr_errors import gateway_cidr_errors


def test_filters_are_registered_one_per_file():
    assert list(cidr_plugin.FilterModule().filters()) == ["gateway_cidr_errors"]
    assert list(private_plugin.FilterModule().filters()) == ["gateway_address_is_private"]
    assert list(loopback_plugin.FilterModule().filters()) == ["gateway_address_is_loopback"]


@pytest.mark.parametrize(
    "values",
    [
        [],
        None,
        ["10.0.0.0/8", "192.168.1.7", "192.168.1.7/32", "::1", "fd00::/8", "0.0.0.0/0"],
    ],
)
def test_valid_cidrs(values):
    assert gateway_cidr_errors(values) == []


def test_invalid_cidrs_are_listed_in_order():
    values = ["10.0.0.1/8", "10.0.0.0/8", "300.1.1.1", "example.com", " 10.1.1.1", "10.0.0.0/33", ""]
    assert gateway_cidr_errors(values) == ["10.0.0.1/8", "300.1.1.1", "example.com", " 10.1.1.1", "10.0.0.0/33", ""]


def test_single_string_is_accepted():
    assert gateway_cidr_errors("10.0.0.0/8") == []
    assert gateway_cidr_errors("nope") == ["nope"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("10.1.2.3", True),
        ("172.20.0.5", True),
        ("192.168.0.1", True),
        ("fd12::1", True),
        ("169.254.1.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("8.8.8.8", False),
        ("2001:4860::8888", False),
        ("ollama.example.com", False),
        ("", False),
    ],
)
def test_address_is_private(value, expected):
    assert gateway_address_is_private(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1", True), ("LOCALHOST", True), ("::1", True), ("10.0.0.1", False), ("0.0.0.0", False), ("x", False)],
)
def test_address_is_loopback(value, expected):
    assert gateway_address_is_loopback(value) is expected
