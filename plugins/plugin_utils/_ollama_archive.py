# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama.ollama role and its internal filters
# (plugins/filter/_ollama.py). It is not a public API and may change in any release.
#
# Pure functions only, so the logic is unit-testable without a host.
"""Releases of the ``localllm.ollama.ollama`` role: versions, archive names and URLs, the archive plan, checksums."""

from __future__ import annotations

import re

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import (
    VersionError,
    normalize_release_version,
    release_version,
)
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError

OFFICIAL_BASE_URL = "https://github.com/ollama/ollama/releases/download"

# ``uname -m`` / ansible_facts['architecture'] -> Ollama's archive architecture (install.sh, section 7.1).
ARCH_MAP = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
}

GPU_BUNDLES = ("rocm", "jetpack5", "jetpack6")

# The first release that ships .tar.zst instead of .tgz (commit 34d0c55ea).
ZSTD_SINCE = (0, 14, 0)
# Before this release there was no archive at all, only a single binary.
ARCHIVE_SINCE = (0, 3, 7)


# --------------------------------------------------------------------------------------------- versions


def version_tuple(version):
    """Return (major, minor, patch) for ``0.32.15`` / ``v0.33.0-rc2``; raise OllamaRoleError otherwise."""
    try:
        return release_version(version)
    except VersionError as exc:
        raise OllamaRoleError(str(exc)) from exc


def normalize_version(version):
    """Strip a leading ``v`` (``v0.32.15`` -> ``0.32.15``); raise OllamaRoleError for a non-release version."""
    version_tuple(version)
    return normalize_release_version(version)


def version_errors(version):
    """Return a list of error strings for ollama_version (empty when fine)."""
    if version is None or str(version).strip() == "":
        return ["ollama_version is empty; pin a release such as '0.32.15' (or set 'latest' explicitly)"]
    if str(version).strip() == "latest":
        return []
    try:
        parts = version_tuple(version)
    except OllamaRoleError as exc:
        return ["ollama_version: %s" % exc]
    if parts < ARCHIVE_SINCE:
        return [
            "ollama_version %s is older than 0.3.7, which shipped a bare binary instead of a release archive; "
            "this role installs 0.3.7 or newer" % version
        ]
    return []


# --------------------------------------------------------------------------------------------- archives


def ollama_arch(machine):
    """Map an ``uname -m`` value to the archive architecture."""
    key = str(machine).strip().lower()
    if key not in ARCH_MAP:
        raise OllamaRoleError(
            "architecture '%s' is not supported: Ollama publishes Linux archives for x86_64 (amd64) and "
            "aarch64 (arm64) only" % machine
        )
    return ARCH_MAP[key]


def archive_extension(version):
    """``tar.zst`` from 0.14.0, ``tgz`` before (section 7.2)."""
    return "tar.zst" if version_tuple(version) >= ZSTD_SINCE else "tgz"


def archive_name(version, arch, bundle=None):
    """``ollama-linux-amd64.tar.zst``, ``ollama-linux-arm64-jetpack6.tgz`` ..."""
    arch = ollama_arch(arch)
    suffix = ""
    if bundle:
        if bundle not in GPU_BUNDLES:
            raise OllamaRoleError(
                "unknown GPU bundle '%s'; choose from %s" % (bundle, ", ".join(GPU_BUNDLES))
            )
        suffix = "-" + bundle
    return "ollama-linux-%s%s.%s" % (arch, suffix, archive_extension(version))


def _join(base, name):
    return base.rstrip("/") + "/" + name


def official_base_url(version):
    return "%s/v%s" % (OFFICIAL_BASE_URL, normalize_version(version))


def archive_url(version, arch, base_url=None, bundle=None):
    """The download URL; ``base_url`` is a mirror directory holding the same file names."""
    base = base_url if base_url else official_base_url(version)
    return _join(base, archive_name(version, arch, bundle))


def _hex(checksum):
    """Normalise ``sha256:abc`` / ``ABC`` to lower-case hex; raise on anything else."""
    value = str(checksum).strip()
    if value.lower().startswith("sha256:"):
        value = value[7:]
    if not re.match(r"^[0-9a-fA-F]{64}$", value):
        raise OllamaRoleError(
            "'%s' is not a sha256 checksum; give 64 hex digits, optionally prefixed with 'sha256:'" % checksum
        )
    return value.lower()


def archive_plan(settings):
    """Decide, for every archive to install, where it comes from and how it is verified.

    ``settings`` keys (all optional except version/arch): version, arch, bundles (list), src (controller path of
    the main archive), url (full URL of the main archive), base_url (mirror directory), checksum (explicit sha256
    of the main archive), pinned (map version -> file name -> sha256, only trusted for the official URL),
    verify (bool, default True).

    Returns a list of dicts: name, bundle, source ('controller' or 'url'), location (path or URL),
    checksum (hex or None), checksum_from ('explicit', 'pinned', 'sha256sum' or 'none'),
    sums_location (path or URL of sha256sum.txt, or None).
    """
    version = normalize_version(settings["version"])
    arch = ollama_arch(settings["arch"])
    bundles = list(settings.get("bundles") or [])
    src = settings.get("src") or None
    url = settings.get("url") or None
    base_url = settings.get("base_url") or None
    checksum = settings.get("checksum") or None
    pinned = settings.get("pinned") or {}
    verify = settings.get("verify", True)
    if verify is None:
        verify = True

    given = [name for name, value in (("ollama_archive_src", src), ("ollama_archive_url", url),
                                      ("ollama_archive_base_url", base_url)) if value]
    if len(given) > 1:
        raise OllamaRoleError(
            "%s are mutually exclusive; set only one archive source" % " and ".join(given)
        )

    if src:
        source = "controller"
        directory = src.rsplit("/", 1)[0] if "/" in src else "."
        main_location = src
    else:
        source = "url"
        if url:
            directory = url.rsplit("/", 1)[0]
            main_location = url
        else:
            directory = base_url.rstrip("/") if base_url else official_base_url(version)
            main_location = _join(directory, archive_name(version, arch))
    official = source == "url" and directory == official_base_url(version)
    sums_location = _join(directory, "sha256sum.txt")

    plan = []
    for bundle in [None] + bundles:
        if bundle is None:
            name = main_location.rsplit("/", 1)[-1]
            location = main_location
        else:
            name = archive_name(version, arch, bundle)
            location = _join(directory, name)
        item = {
            "name": name,
            "bundle": bundle,
            "source": source,
            "location": location,
            "checksum": None,
            "checksum_from": "none",
            "sums_location": None,
        }
        pinned_sum = (pinned.get(version) or {}).get(name) if official else None
        if bundle is None and checksum:
            item["checksum"] = _hex(checksum)
            item["checksum_from"] = "explicit"
        elif pinned_sum:
            item["checksum"] = _hex(pinned_sum)
            item["checksum_from"] = "pinned"
        elif verify:
            item["checksum_from"] = "sha256sum"
            item["sums_location"] = sums_location
        plan.append(item)
    return plan


def sha256sum_lookup(text, name):
    """Find ``name`` in sha256sum.txt content (``<hex>  ./name`` or ``<hex> *name``); None when absent."""
    for line in (text or "").splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) != 2:
            continue
        digest, filename = parts
        filename = filename.strip().lstrip("*")
        if filename.startswith("./"):
            filename = filename[2:]
        if filename.rsplit("/", 1)[-1] == name and re.match(r"^[0-9a-fA-F]{64}$", digest):
            return digest.lower()
    return None


def expected_checksums(plan, sums):
    """Map archive name -> expected sha256 ('' when unknown) from a plan and {sums_location: sha256sum.txt text}."""
    sums = sums or {}
    out = {}
    for item in plan:
        if item.get("checksum"):
            out[item["name"]] = item["checksum"]
        elif item.get("sums_location") and item["sums_location"] in sums:
            out[item["name"]] = sha256sum_lookup(sums[item["sums_location"]], item["name"]) or ""
        else:
            out[item["name"]] = ""
    return out
