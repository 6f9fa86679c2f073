# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""testinfra checks after ollama_state: absent (ollama-uninstall scenario)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", [
    "/etc/systemd/system/ollama.service",
    "/etc/systemd/system/ollama.service.d/10-localllm.conf",
    "/etc/systemd/system/ollama.service.d/10-localllm.env",
    "/etc/systemd/system/ollama.service.d",
    "/usr/local/bin/ollama",
    "/usr/local/lib/ollama",
    "/usr/local/libexec/localllm-ollama",
    "/var/cache/localllm-ollama",
])
def test_removed(host, path):
    assert not host.file(path).exists


def test_service_gone(host):
    assert not host.service("ollama").is_running
    assert host.run("systemctl cat ollama").rc != 0
    assert host.run("curl -fsS http://127.0.0.1:11434/api/version").rc != 0


def test_user_and_group_gone(host):
    assert not host.user("ollama").exists
    assert not host.group("ollama").exists


def test_models_kept(host):
    models = host.file("/srv/ollama/models")
    assert models.is_directory
    manifests = host.run("find /srv/ollama/models/manifests -type f").stdout.split()
    assert any(path.endswith("/library/tinyllama/latest") for path in manifests), manifests
    assert host.run("find /srv/ollama/models/blobs -type f -name 'sha256-*'").stdout.strip()
