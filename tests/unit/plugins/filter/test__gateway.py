# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the internal filters of the localllm.ollama.gateway role (plugins/filter/_gateway.py)."""

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.filter import _gateway


def test_the_gateway_filters_are_internal_and_in_one_file():
    filters = _gateway.FilterModule().filters()
    assert sorted(filters) == ["_gateway_address_is_private", "_gateway_cidr_errors", "_gateway_files_not_in_place",
                               "_gateway_host_state", "_gateway_packages_installed"]
    assert filters["_gateway_cidr_errors"](["10.0.0.0/8", "10.0.0.1/8"]) == ["10.0.0.1/8"]
    assert filters["_gateway_address_is_private"]("[::1]") is True


@pytest.mark.parametrize(
    "values",
    [
        [],
        None,
        ["10.0.0.0/8", "192.168.1.7", "192.168.1.7/32", "::1", "fd00::/8", "0.0.0.0/0"],
    ],
)
def test_valid_cidrs(values):
    assert _gateway.cidr_errors(values) == []


def test_invalid_cidrs_are_listed_in_order():
    values = ["10.0.0.1/8", "10.0.0.0/8", "300.1.1.1", "example.com", " 10.1.1.1", "10.0.0.0/33", ""]
    assert _gateway.cidr_errors(values) == ["10.0.0.1/8", "300.1.1.1", "example.com", " 10.1.1.1", "10.0.0.0/33", ""]


def test_single_string_is_accepted():
    assert _gateway.cidr_errors("10.0.0.0/8") == []
    assert _gateway.cidr_errors("nope") == ["nope"]


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
    assert _gateway.address_is_private(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1", True), ("LOCALHOST", True), ("::1", True), ("10.0.0.1", False), ("0.0.0.0", False), ("x", False)],
)
def test_address_is_loopback(value, expected):
    assert _gateway.address_is_loopback(value) is expected
