# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pinned checksum map of the ollama role is well formed and used only for the official URL."""

from __future__ import annotations

import os
import re

import yaml

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_archive as logic

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
CHECKSUMS = os.path.join(REPO, "roles", "ollama", "vars", "checksums.yml")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _pinned():
    with open(CHECKSUMS, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["__ollama_checksums"]


def test_pinned_map_entries_are_sha256_of_assets_named_for_their_version():
    pinned = _pinned()
    assert pinned, "the pinned map is empty"
    for version, assets in pinned.items():
        assert logic.version_errors(version) == [], version
        assert assets, version
        for name, checksum in assets.items():
            assert HEX64.match(checksum), (version, name)
            # the asset name must be what the role would download for this version (tgz before 0.14, tar.zst after)
            names = {logic.archive_name(version, arch, bundle) for arch in ("amd64", "arm64") for bundle in (None, "rocm")}
            assert name in names, (version, name, sorted(names))


def test_no_checksum_is_pinned_twice():
    seen = {}
    for version, assets in _pinned().items():
        for name, checksum in assets.items():
            assert checksum not in seen, (version, name, seen.get(checksum))
            seen[checksum] = (version, name)
