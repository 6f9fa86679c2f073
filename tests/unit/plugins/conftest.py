# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the plugin unit tests (helpers live in ollama_test_helpers.py and bundle_test_helpers.py next to
this file)."""

from __future__ import annotations

import shutil
from unittest import mock

import pytest

from bundle_test_helpers import TINYCODER, TINYLLAMA, write_bundle
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


@pytest.fixture(scope='session')
def pristine(tmp_path_factory):
    """A model bundle of the stand-in registry's tinyllama and acme/tinycoder:1b, written once: (dir, digests)."""
    directory = str(tmp_path_factory.mktemp('pristine') / 'bundle')
    return directory, write_bundle(directory, [TINYLLAMA, TINYCODER])


@pytest.fixture
def bundle(pristine, tmp_path):
    """A copy of the pristine bundle that the test may damage."""
    directory = str(tmp_path / 'bundle')
    shutil.copytree(pristine[0], directory)
    return directory
