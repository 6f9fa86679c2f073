# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify the nvidia scenario after converge + idempotence (side_effect runs after this, see molecule.yml).

nvidia_container_toolkit-gpu got the role with state present from a signed local repository of test doubles (files/README.md);
nvidia_container_toolkit-nogpu (no GPU, state auto) must be untouched. No real GPU, driver or NVIDIA package is involved.
"""

from __future__ import annotations

import json

import pytest
import testinfra

testinfra_hosts = ["nvidia_container_toolkit-gpu", "nvidia_container_toolkit-nogpu"]

PACKAGES = ["nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools",
            "libnvidia-container1"]
VERSION = "1.18.2-1"
LIST = "/etc/apt/sources.list.d/nvidia-container-toolkit.list"
KEYRING = "/usr/share/keyrings/nvidia-container-toolkit-keyring.asc"


@pytest.fixture(scope="module")
def gpu():
    return testinfra.get_host("docker://nvidia_container_toolkit-gpu")


def _only(host, name):
    if host.backend.get_hostname() != name:
        pytest.skip("checked on %s only" % name)


def test_nogpu_host_untouched(host):
    _only(host, "nvidia_container_toolkit-nogpu")
    assert not host.file(LIST).exists
    assert not host.file(KEYRING).exists
    assert not host.exists("nvidia-ctk")
    for package in PACKAGES:
        result = host.run("dpkg-query -W %s", package)
        assert result.rc == 1 and "no packages found" in result.stderr, result.stdout


def test_source_is_signed_by_the_keyring_only(host):
    _only(host, "nvidia_container_toolkit-gpu")
    lines = [line for line in host.file(LIST).content_string.splitlines() if line and not line.startswith("#")]
    assert lines == ["deb [signed-by=%s] http://127.0.0.1:8088/stable/deb/$(ARCH) /" % KEYRING]
    key = host.file(KEYRING)
    assert key.mode == 0o644 and key.user == "root"
    assert key.content_string.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    # apt verified InRelease with that key: the packages come from the local repository, not from nowhere
    policy = host.check_output("apt-cache policy nvidia-container-toolkit")
    assert "http://127.0.0.1:8088/stable/deb/amd64" in policy or "http://127.0.0.1:8088/stable/deb/arm64" in policy


def test_pinned_versions_installed_and_held(host):
    _only(host, "nvidia_container_toolkit-gpu")
    out = host.check_output("dpkg-query -W -f='${Package} ${Version} ${db:Status-Want} ${db:Status-Status}\\n' "
                            + " ".join(PACKAGES))
    assert sorted(out.splitlines()) == sorted("%s %s hold installed" % (p, VERSION) for p in PACKAGES)
    # the repository also offers 1.17.8: the pin, not "latest", decided
    assert "1.17.8-1" in host.check_output("apt-cache madison nvidia-container-toolkit")


def test_daemon_json_has_nvidia_runtime_and_keeps_other_keys(host):
    _only(host, "nvidia_container_toolkit-gpu")
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["runtimes"]["nvidia"] == {"args": [], "path": "nvidia-container-runtime"}
    assert config["log-level"] == "warn"
    assert "default-runtime" not in config


def test_docker_lists_nvidia_runtime(host):
    _only(host, "nvidia_container_toolkit-gpu")
    runtimes = json.loads(host.check_output("docker info --format '{{json .Runtimes}}'"))
    assert "nvidia" in runtimes and "runc" in runtimes


def test_docker_runs_a_container_through_the_nvidia_runtime(host):
    _only(host, "nvidia_container_toolkit-gpu")
    log = "/var/log/nvidia-container-runtime.test-double.log"
    before = host.run("wc -l < %s", log).stdout.strip() or "0"
    host.check_output("docker run --rm --runtime=nvidia localllm-test/busybox:1 /busybox true")
    after = host.check_output("wc -l < %s", log)
    assert int(after) > int(before), "dockerd did not call nvidia-container-runtime"


def test_docker_accepts_gpus_flag(host):
    # dockerd accepts --gpus only when nvidia-container-runtime-hook was on its PATH when it started
    _only(host, "nvidia_container_toolkit-gpu")
    host.check_output("docker run --rm --gpus all localllm-test/busybox:1 /busybox true")


def test_containerd_has_nvidia_runtime(host):
    _only(host, "nvidia_container_toolkit-gpu")
    dump = host.check_output("containerd config dump")
    assert 'runtimes.nvidia]' in dump
    assert 'BinaryName = "/usr/bin/nvidia-container-runtime"' in dump


def test_docker_restarted_exactly_once(host):
    # prepare started Docker once; the first converge changed daemon.json and restarted it once; the idempotence
    # run changed nothing and restarted nothing
    _only(host, "nvidia_container_toolkit-gpu")
    starts = host.file("/var/log/docker-starts.test.log").content_string.split()
    assert len(starts) == 2, starts


def test_no_cdi_spec_without_a_driver(host):
    _only(host, "nvidia_container_toolkit-gpu")
    assert not host.file("/etc/cdi/nvidia.yaml").exists
