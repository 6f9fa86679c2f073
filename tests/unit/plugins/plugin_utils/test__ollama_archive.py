# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the releases of the localllm.ollama.ollama role (plugins/plugin_utils/_ollama_archive.py)."""

from __future__ import annotations

import pytest

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_archive as archive
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError


SUM_A = "a" * 64
SUM_B = "b" * 64
GH = "https://github.com/ollama/ollama/releases/download"


@pytest.mark.parametrize("machine, arch", [
    ("x86_64", "amd64"), ("amd64", "amd64"), ("aarch64", "arm64"), ("arm64", "arm64"), ("X86_64", "amd64"),
])
def test_arch_mapping(machine, arch):
    assert archive.ollama_arch(machine) == arch


@pytest.mark.parametrize("machine", ["armv7l", "i686", "ppc64le", "s390x", "riscv64", ""])
def test_unsupported_arch(machine):
    with pytest.raises(OllamaRoleError, match="not supported"):
        archive.ollama_arch(machine)


@pytest.mark.parametrize("version, arch, bundle, expected", [
    ("0.32.15", "x86_64", None, "ollama-linux-amd64.tar.zst"),
    ("0.32.15", "aarch64", None, "ollama-linux-arm64.tar.zst"),
    ("0.14.0", "x86_64", None, "ollama-linux-amd64.tar.zst"),       # first zstd release
    ("0.13.5", "x86_64", None, "ollama-linux-amd64.tgz"),            # last tgz release
    ("0.13.99", "arm64", None, "ollama-linux-arm64.tgz"),
    ("0.3.7", "x86_64", None, "ollama-linux-amd64.tgz"),
    ("v0.32.15", "x86_64", "rocm", "ollama-linux-amd64-rocm.tar.zst"),
    ("0.13.5", "aarch64", "jetpack5", "ollama-linux-arm64-jetpack5.tgz"),
    ("0.33.0-rc2", "aarch64", "jetpack6", "ollama-linux-arm64-jetpack6.tar.zst"),
    ("1.0.0", "x86_64", None, "ollama-linux-amd64.tar.zst"),
])
def test_archive_name(version, arch, bundle, expected):
    assert archive.archive_name(version, arch, bundle) == expected


def test_archive_name_unknown_bundle():
    with pytest.raises(OllamaRoleError, match="unknown GPU bundle 'cuda'"):
        archive.archive_name("0.32.15", "x86_64", "cuda")


@pytest.mark.parametrize("args, expected", [
    (("0.32.15", "x86_64"), GH + "/v0.32.15/ollama-linux-amd64.tar.zst"),
    (("v0.13.5", "aarch64"), GH + "/v0.13.5/ollama-linux-arm64.tgz"),
    (("0.32.15", "x86_64", "https://mirror.example/ollama/v0.32.15/"),
     "https://mirror.example/ollama/v0.32.15/ollama-linux-amd64.tar.zst"),
    (("0.32.15", "x86_64", None, "rocm"), GH + "/v0.32.15/ollama-linux-amd64-rocm.tar.zst"),
])
def test_archive_url(args, expected):
    assert archive.archive_url(*args) == expected


def _plan(**kwargs):
    settings = {"version": "0.32.15", "arch": "x86_64"}
    settings.update(kwargs)
    return archive.archive_plan(settings)


def test_plan_official_without_pin_uses_sha256sum():
    (item,) = _plan()
    assert item == {
        "name": "ollama-linux-amd64.tar.zst",
        "bundle": None,
        "source": "url",
        "location": GH + "/v0.32.15/ollama-linux-amd64.tar.zst",
        "checksum": None,
        "checksum_from": "sha256sum",
        "sums_location": GH + "/v0.32.15/sha256sum.txt",
    }


def test_plan_official_pinned_map_wins_over_sha256sum():
    pinned = {"0.32.15": {"ollama-linux-amd64.tar.zst": "sha256:" + SUM_A.upper()}}
    main, rocm = _plan(pinned=pinned, bundles=["rocm"])
    assert (main["checksum"], main["checksum_from"], main["sums_location"]) == (SUM_A, "pinned", None)
    # the bundle is not in the map: falls back to sha256sum.txt
    assert rocm["name"] == "ollama-linux-amd64-rocm.tar.zst"
    assert rocm["location"] == GH + "/v0.32.15/ollama-linux-amd64-rocm.tar.zst"
    assert rocm["checksum_from"] == "sha256sum"


def test_plan_explicit_checksum_wins_over_pin_for_main_archive_only():
    pinned = {"0.32.15": {"ollama-linux-amd64.tar.zst": SUM_A, "ollama-linux-amd64-rocm.tar.zst": SUM_A}}
    main, rocm = _plan(pinned=pinned, checksum=SUM_B, bundles=["rocm"])
    assert (main["checksum"], main["checksum_from"]) == (SUM_B, "explicit")
    assert (rocm["checksum"], rocm["checksum_from"]) == (SUM_A, "pinned")


def test_plan_pinned_map_is_ignored_for_a_mirror():
    pinned = {"0.32.15": {"ollama-linux-amd64.tar.zst": SUM_A}}
    (item,) = _plan(pinned=pinned, base_url="http://mirror:8080/v0.32.15/")
    assert item["location"] == "http://mirror:8080/v0.32.15/ollama-linux-amd64.tar.zst"
    assert item["checksum_from"] == "sha256sum"
    assert item["sums_location"] == "http://mirror:8080/v0.32.15/sha256sum.txt"


def test_plan_mirror_that_mimics_github_base_is_official():
    pinned = {"0.32.15": {"ollama-linux-amd64.tar.zst": SUM_A}}
    (item,) = _plan(pinned=pinned, base_url=GH + "/v0.32.15")
    assert item["checksum_from"] == "pinned"


def test_plan_full_url_uses_its_directory():
    (main, jet) = _plan(url="https://files.example/x/ollama-custom.tar.zst", bundles=["jetpack6"], arch="aarch64")
    assert main["name"] == "ollama-custom.tar.zst"
    assert main["sums_location"] == "https://files.example/x/sha256sum.txt"
    assert jet["location"] == "https://files.example/x/ollama-linux-arm64-jetpack6.tar.zst"


def test_plan_controller_file():
    (main, rocm) = _plan(src="/srv/archives/v0.13.5/ollama-linux-amd64.tgz", version="0.13.5", bundles=["rocm"])
    assert main["source"] == rocm["source"] == "controller"
    assert main["location"] == "/srv/archives/v0.13.5/ollama-linux-amd64.tgz"
    assert main["sums_location"] == "/srv/archives/v0.13.5/sha256sum.txt"
    assert rocm["location"] == "/srv/archives/v0.13.5/ollama-linux-amd64-rocm.tgz"


def test_plan_controller_file_ignores_pin():
    pinned = {"0.32.15": {"ollama-linux-amd64.tar.zst": SUM_A}}
    (item,) = _plan(src="/tmp/ollama-linux-amd64.tar.zst", pinned=pinned)
    assert item["checksum_from"] == "sha256sum"


def test_plan_verification_off():
    (item,) = _plan(verify=False, base_url="http://m/v1")
    assert (item["checksum"], item["checksum_from"], item["sums_location"]) == (None, "none", None)


def test_plan_verification_off_still_uses_an_explicit_checksum():
    (item,) = _plan(verify=False, checksum=SUM_A)
    assert item["checksum_from"] == "explicit"


@pytest.mark.parametrize("kwargs", [
    {"src": "/a.tgz", "url": "http://b/a.tgz"},
    {"src": "/a.tgz", "base_url": "http://b"},
    {"url": "http://b/a.tgz", "base_url": "http://b"},
])
def test_plan_conflicting_sources(kwargs):
    with pytest.raises(OllamaRoleError, match="mutually exclusive"):
        _plan(**kwargs)


@pytest.mark.parametrize("checksum", ["abc", "sha1:" + "a" * 40, "g" * 64])
def test_plan_bad_explicit_checksum(checksum):
    with pytest.raises(OllamaRoleError, match="not a sha256 checksum"):
        _plan(checksum=checksum)


SUMS = (
    SUM_A + "  ./ollama-linux-amd64.tar.zst\n"
    + SUM_B + "  ./ollama-linux-amd64-rocm.tar.zst\n"
    + "c" * 64 + " *ollama-linux-arm64.tar.zst\n"
    + "d" * 64 + "  dist/ollama-darwin.zip\n"
    + "garbage line\n\n"
)


@pytest.mark.parametrize("name, expected", [
    ("ollama-linux-amd64.tar.zst", SUM_A),
    ("ollama-linux-amd64-rocm.tar.zst", SUM_B),
    ("ollama-linux-arm64.tar.zst", "c" * 64),
    ("ollama-darwin.zip", "d" * 64),
    ("ollama-linux-amd64.tgz", ""),
    ("amd64.tar.zst", ""),
])
def test_sha256sum_lookup(name, expected):
    assert (archive.sha256sum_lookup(SUMS, name) or "") == expected


def test_sha256sum_lookup_empty_text():
    assert (archive.sha256sum_lookup("", "x") or "") == ""
    assert (archive.sha256sum_lookup(None, "x") or "") == ""


@pytest.mark.parametrize("version", ["0.32.15", "v0.32.15", "latest", "0.33.0-rc2", "0.3.7", "1.2.3"])
def test_version_ok(version):
    assert archive.version_errors(version) == []


@pytest.mark.parametrize("version, fragment", [
    ("0.32", "X.Y.Z"), ("", "empty"), (None, "empty"), ("v1", "X.Y.Z"), ("0.32.15.1", "X.Y.Z"),
    ("0.3.6", "older than 0.3.7"), ("newest", "X.Y.Z"), ("0.32.15-beta", "X.Y.Z"),
])
def test_version_bad(version, fragment):
    errors = archive.version_errors(version)
    assert len(errors) == 1 and fragment in errors[0]


def test_expected_checksums_combines_plan_and_sums():
    plan = _plan(base_url="http://m/v0.32.15", bundles=["rocm"], checksum=SUM_B)
    sums = {"http://m/v0.32.15/sha256sum.txt": SUMS}
    assert archive.expected_checksums(plan, sums) == {
        "ollama-linux-amd64.tar.zst": SUM_B,              # explicit wins
        "ollama-linux-amd64-rocm.tar.zst": SUM_B,         # from sha256sum.txt (SUMS lists rocm with SUM_B)
    }


def test_expected_checksums_unknown_when_sums_missing_or_unlisted():
    plan = _plan(base_url="http://m/v0.32.15", bundles=["jetpack6"])
    assert archive.expected_checksums(plan, {}) == {"ollama-linux-amd64.tar.zst": "",
                                                    "ollama-linux-amd64-jetpack6.tar.zst": ""}
    found = archive.expected_checksums(plan, {"http://m/v0.32.15/sha256sum.txt": SUMS})
    assert found == {"ollama-linux-amd64.tar.zst": SUM_A, "ollama-linux-amd64-jetpack6.tar.zst": ""}


def test_expected_checksums_verification_off():
    plan = _plan(verify=False)
    assert archive.expected_checksums(plan, {GH + "/v0.32.15/sha256sum.txt": SUMS}) == {
        "ollama-linux-amd64.tar.zst": ""}
