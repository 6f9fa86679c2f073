# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""testinfra checks of the ollama-container scenario (ollama_install_method: container, Docker inside the test container).

State checked: after converge (0.13.5 + a model, published on 0.0.0.0 behind the DOCKER-USER filter), the side
effect checked the filter, upgraded to 0.32.15 by the image tag without listing the model, then removed the container
(ollama_state: absent) and ran it again published on loopback.
"""

from __future__ import annotations

import json
import time

import pytest

VERSION = "0.32.15"
API = "http://127.0.0.1:11434"
MODEL = "10.213.90.1:5000/library/tinyllama:latest"


def _inspect(host, *args):
    return json.loads(host.check_output("docker inspect %s" % " ".join(args)))[0]


@pytest.fixture
def container(host):
    return _inspect(host, "ollama")


def test_docker_engine_runs(host):
    docker = host.service("docker")
    assert docker.is_running and docker.is_enabled
    # deb12: the role installed docker.io itself (prepare removed it); both: requests for the docker modules
    assert host.package("docker.io").is_installed
    assert host.package("python3-requests").is_installed


def test_no_binary_install(host):
    assert not host.file("/etc/systemd/system/ollama.service").exists
    assert not host.file("/usr/local/bin/ollama").exists


def test_container_runs_the_new_image_with_restart_policy(container):
    assert container["State"]["Running"] is True
    assert container["Config"]["Image"] == "ollama/ollama:%s" % VERSION
    assert container["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"


def test_health_check_needs_no_curl(host, container):
    assert container["Config"]["Healthcheck"]["Test"] == ["CMD", "ollama", "list"]
    # like upstream's image, the stand-in image has neither curl nor wget
    assert host.run("docker exec ollama sh -c 'command -v curl || command -v wget'").rc != 0


def test_health_status_is_healthy(host):
    # the first check runs one interval (15 s) after the start
    status = None
    for _attempt in range(30):
        status = _inspect(host, "ollama")["State"]["Health"]["Status"]
        if status == "healthy":
            break
        time.sleep(2)
    assert status == "healthy", host.run("docker logs --tail 20 ollama").stdout


def test_published_on_loopback_only(host, container):
    assert container["HostConfig"]["PortBindings"] == {"11434/tcp": [{"HostIp": "127.0.0.1", "HostPort": "11434"}]}
    listening = host.check_output("ss -Hltn 'sport = :11434'").split("\n")
    assert listening and all("127.0.0.1:11434" in line for line in listening), listening
    # the test container's own address and the inner Docker bridge: connection refused (curl exit 7)
    for address in host.check_output("hostname -I").split():
        outside = host.run("curl -sS -m 5 -o /dev/null http://%s:11434/api/version" % address)
        assert outside.rc == 7, (address, outside.stderr)


def test_no_docker_user_filter_on_loopback(host):
    # the side effect went back to loopback (deb12) and through ollama_state absent (deb13): filter removed
    assert not host.file("/etc/systemd/system/ollama-docker-user.service").exists
    assert not host.file("/usr/local/sbin/ollama-docker-user").exists
    assert not host.file("/etc/systemd/system/docker.service.wants/ollama-docker-user.service").exists
    assert "OLLAMA-DOCKER-USER" not in host.check_output("iptables -w -S")


def test_api_answers_the_new_version(host):
    assert json.loads(host.check_output("curl -fsS %s/api/version" % API)) == {"version": VERSION}


@pytest.mark.parametrize("assignment", [
    "HOME=/root",
    "OLLAMA_HOST=0.0.0.0:11434",
    "OLLAMA_ORIGINS=https://dify.example.com,chrome-extension://*",
    "OLLAMA_KEEP_ALIVE=10m",
    "OLLAMA_NUM_PARALLEL=2",
    "OLLAMA_FLASH_ATTENTION=1",
    "OLLAMA_KV_CACHE_TYPE=q8_0",
    "OLLAMA_NO_CLOUD=1",
])
def test_server_process_has_the_typed_settings(host, assignment):
    environ = host.check_output("docker exec ollama cat /proc/1/environ").split("\0")
    assert assignment in environ


def test_unset_settings_are_not_set(host):
    environ = host.check_output("docker exec ollama cat /proc/1/environ")
    assert "OLLAMA_MODELS=" not in environ and "OLLAMA_CONTEXT_LENGTH=" not in environ


def test_origins_and_host_check_behave_as_configured(host):
    def code(header):
        return host.check_output("curl -s -o /dev/null -w '%%{http_code}' -H '%s' %s/api/version" % (header, API))

    # inside the container Ollama listens on 0.0.0.0, so a proxy's Host header is not refused
    assert code("Host: ollama.example.com") == "200"
    assert (code("Origin: https://dify.example.com"), code("Origin: https://evil.example.com")) == ("200", "403")


def test_volume_holds_the_models(host, container):
    mounts = [(m["Type"], m.get("Name"), m["Destination"]) for m in container["Mounts"]]
    assert mounts == [("volume", "ollama", "/root/.ollama")]
    volume = _inspect(host, "--type", "volume", "ollama")
    manifest = host.file("%s/models/manifests/10.213.90.1:5000/library/tinyllama/latest" % volume["Mountpoint"])
    assert manifest.is_file


def test_model_survived_upgrade_and_removal(host):
    tags = json.loads(host.check_output("curl -fsS %s/api/tags" % API))
    assert MODEL in [model["name"] for model in tags["models"]]


def test_model_was_pulled_only_once(host):
    # converge pulled it; idempotence found it; the upgrade and the reinstall did not list it
    requests = json.loads(host.check_output("curl -fsS http://127.0.0.1:5000/standin/requests"))
    manifests = [r for r in requests if r["method"] == "GET" and r["path"].endswith("/library/tinyllama/manifests/latest")]
    assert len(manifests) == 1, requests


def test_no_gpu_requested_after_auto(container):
    # side effect: ollama_container_gpus auto - deb12 has no nvidia runtime, deb13's stand-in runtime has no GPU
    assert not container["HostConfig"]["DeviceRequests"]
