# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""testinfra checks after the 0.13.5 -> 0.32.15 upgrade (ollama-upgrade scenario)."""

from __future__ import annotations

import json

API = "http://127.0.0.1:11434"


def test_new_version_answers(host):
    assert json.loads(host.check_output("curl -fsS %s/api/version" % API)) == {"version": "0.32.15"}


def test_binary_is_the_new_one(host):
    out = host.run("HOME=/usr/share/ollama /usr/local/bin/ollama -v").stdout
    assert "ollama version is 0.32.15" in out
    assert "client version" not in out  # server and client agree: the service was restarted


def test_libraries_replaced(host):
    assert not host.file("/usr/local/lib/ollama/libggml-only-in-0.13.5.so").exists
    assert host.file("/usr/local/lib/ollama/standin/VERSION").content_string.strip() == "0.32.15"
    assert host.file("/usr/local/lib/ollama/llama-server").exists  # only in the 0.32.15 archive


def test_gpu_bundle_extracted_on_top(host):
    arch = host.check_output("uname -m")
    record = json.loads(host.file("/usr/local/lib/ollama/.localllm-ollama-install.json").content_string)
    assert record["version"] == "0.32.15"
    if arch == "x86_64":
        assert record["bundles"] == ["rocm"]
        assert host.file("/usr/local/lib/ollama/rocm_v7_2/libggml-hip.so").exists
        assert host.file("/usr/local/lib/ollama/libggml-base.so").exists  # the main archive is still there


def test_model_survived_the_upgrade(host):
    tags = json.loads(host.check_output("curl -fsS %s/api/tags" % API))
    assert "localhost:5000/library/tinyllama:latest" in [m["name"] for m in tags["models"]]
    assert host.file("/usr/share/ollama/.ollama/models/blobs").is_directory


def test_service_active(host):
    assert host.service("ollama").is_running
    assert host.service("ollama").is_enabled
