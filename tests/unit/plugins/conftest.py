# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the plugin unit tests (helpers live in ollama_test_helpers.py next to this file)."""

from __future__ import annotations

from unittest import mock

import pytest

from ollama_test_helpers import API, Router


@pytest.fixture
def router():
    return Router()


@pytest.fixture
def open_url(router):
    """open_url patched where _api imports it (autospec keeps the signature honest)."""
    with mock.patch(API + '.open_url', autospec=True, side_effect=router) as patched:
        yield patched


@pytest.fixture
def no_sleep():
    with mock.patch('time.sleep') as patched:
        yield patched
