# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""testinfra checks for the mirror scenario (runs after the failed and the good upgrade)."""

from __future__ import annotations

import json

testinfra_hosts = ["ollama-archive-mirror-deb12", "ollama-archive-mirror-deb13"]


def test_upgraded_from_the_good_mirror(host):
    assert json.loads(host.check_output("curl -fsS http://127.0.0.1:11434/api/version")) == {"version": "0.32.15"}
    record = json.loads(host.file("/usr/local/lib/ollama/.localllm-ollama-install.json").content_string)
    arch = "amd64" if host.check_output("uname -m") == "x86_64" else "arm64"
    good = host.check_output("curl -fsS http://ollama-archive-mirror-web:8080/good/v0.32.15/sha256sum.txt")
    expected = [line.split()[0] for line in good.splitlines() if line.endswith("ollama-linux-%s.tar.zst" % arch)]
    assert record["sha256"] == {"ollama-linux-%s.tar.zst" % arch: expected[0]}


def test_staging_cleaned_after_the_install(host):
    # the failed download's staging state is asserted in side_effect.yml, right after that run; what stays is the
    # role's record that it created the staging directory (issue 12: uninstall removes the directory only then)
    assert host.run("find /var/cache/localllm-ollama -type f ! -path /var/cache/localllm-ollama/"
                    ".localllm-ollama-staging-dir").stdout.strip() == ""


def test_service_healthy(host):
    assert host.service("ollama").is_running
    assert host.service("ollama").is_enabled
