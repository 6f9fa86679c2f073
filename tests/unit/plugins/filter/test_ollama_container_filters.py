# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the container install method of the localllm.ollama.ollama role (ollama_container_* filters)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_role as role_logic
from ansible_collections.localllm.ollama.plugins.filter import (
    ollama_container_errors,
    ollama_container_port,
    ollama_container_tag,
)

ROLE = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "ollama"))


def _settings(**overrides):
    settings = {
        "image": "ollama/ollama",
        "tag": None,
        "name": "ollama",
        "volume": "ollama",
        "publish_address": "127.0.0.1",
        "publish_public": False,
        "gpus": "auto",
        "models_dir": None,
        "hardening": False,
        "bundles": [],
    }
    settings.update(overrides)
    return settings


@pytest.mark.parametrize("module, name", [
    (ollama_container_errors, "ollama_container_errors"),
    (ollama_container_port, "ollama_container_port"),
    (ollama_container_tag, "ollama_container_tag"),
])
def test_each_plugin_exports_its_filter(module, name):
    assert list(module.FilterModule().filters()) == [name]
    assert "name: %s" % name in module.DOCUMENTATION


def test_role_defaults_pass():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    settings = _settings(
        image=defaults["ollama_container_image"], tag=defaults["ollama_container_tag"],
        name=defaults["ollama_container_name"], volume=defaults["ollama_container_volume"],
        # null publish address = ollama_bind_address
        publish_address=defaults["ollama_container_publish_address"] or defaults["ollama_bind_address"],
        publish_public=defaults["ollama_container_publish_public"], gpus=defaults["ollama_container_gpus"],
        models_dir=defaults["ollama_models_dir"], hardening=defaults["ollama_systemd_hardening"],
        bundles=defaults["ollama_gpu_bundles"],
    )
    assert logic.container_errors(settings) == []
    assert logic.published_port(settings["publish_address"], defaults["ollama_port"]) == "127.0.0.1:11434:11434"


# ----------------------------------------------------------------------------------------- tag

@pytest.mark.parametrize("version, tag, bundles, expected", [
    ("0.32.15", None, [], "0.32.15"),
    ("v0.32.15", None, [], "0.32.15"),
    ("0.32.15", None, ["rocm"], "0.32.15-rocm"),
    ("0.13.5", "", None, "0.13.5"),
    ("latest", None, [], "latest"),
    ("latest", None, ["rocm"], "rocm"),
    ("0.32.15", "0.32.15-mirror1", ["rocm"], "0.32.15-mirror1"),
])
def test_container_tag(version, tag, bundles, expected):
    assert logic.container_tag(version, tag, bundles) == expected


def test_container_tag_filter_rejects_bad_versions():
    with pytest.raises(AnsibleFilterError, match="not an Ollama release version"):
        ollama_container_tag.ollama_container_tag("0.32", None, [])


# ----------------------------------------------------------------------------------------- published port

@pytest.mark.parametrize("address, port, expected", [
    ("127.0.0.1", 11434, "127.0.0.1:11434:11434"),
    ("0.0.0.0", 8080, "0.0.0.0:8080:11434"),
    ("::1", 11434, "[::1]:11434:11434"),
    ("[::1]", 11435, "[::1]:11435:11434"),
    ("10.0.0.5", "11434", "10.0.0.5:11434:11434"),
])
def test_published_port(address, port, expected):
    assert logic.published_port(address, port) == expected


@pytest.mark.parametrize("address", ["localhost", "ollama.example.com", "", "http://127.0.0.1"])
def test_published_port_needs_an_ip(address):
    with pytest.raises(AnsibleFilterError, match="not an IP address"):
        ollama_container_port.ollama_container_port(address, 11434)


# ----------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "[::1]"])
def test_loopback_publish_is_fine(address):
    assert logic.container_errors(_settings(publish_address=address)) == []


@pytest.mark.parametrize("address, where", [
    ("0.0.0.0", "every interface"),
    ("::", "every interface"),
    ("192.168.1.10", "non-loopback address 192.168.1.10"),
])
def test_public_publish_is_refused_without_opt_in(address, where):
    errors = logic.container_errors(_settings(publish_address=address))
    assert len(errors) == 1
    assert where in errors[0] and "UFW" in errors[0] and "ollama_container_publish_public: true" in errors[0]
    assert logic.container_errors(_settings(publish_address=address, publish_public=True)) == []


def test_localhost_publish_gets_a_hint():
    errors = logic.container_errors(_settings(publish_address="localhost"))
    assert len(errors) == 1 and "not an IP address" in errors[0] and "write 127.0.0.1" in errors[0]


@pytest.mark.parametrize("image, fragment", [
    ("ollama/ollama:0.32.15", "contains a tag; set ollama_container_image: 'ollama/ollama' and ollama_container_tag: '0.32.15'"),
    ("ollama/ollama@sha256:" + "a" * 64, "contains a digest"),
    ("Ollama/Ollama", "is not an image repository"),
    ("", "is empty"),
    (None, "is empty"),
])
def test_bad_images(image, fragment):
    errors = logic.container_errors(_settings(image=image))
    assert len(errors) == 1 and fragment in errors[0], errors


@pytest.mark.parametrize("image", [
    "ollama/ollama", "registry.example.com/mirror/ollama", "registry.example.com:5000/mirror/ollama",
    "localhost:5000/ollama", "ollama",
])
def test_good_images(image):
    assert logic.container_errors(_settings(image=image)) == []


@pytest.mark.parametrize("key, value, fragment", [
    ("tag", "0.32.15 rc", "is not a Docker tag"),
    ("tag", "-x", "is not a Docker tag"),
    ("name", "o", "ollama_container_name 'o'"),
    ("name", "my ollama", "ollama_container_name"),
    ("volume", "/srv/ollama", "host paths are not supported"),
    ("volume", None, "ollama_container_volume"),
    ("models_dir", "/srv/models", "applies to the binary install only"),
    ("hardening", True, "ollama_systemd_hardening applies to the binary install"),
    ("bundles", ["jetpack6"], "JETSON_JETPACK: '6'"),
])
def test_other_errors(key, value, fragment):
    errors = logic.container_errors(_settings(**{key: value}))
    assert len(errors) == 1 and fragment in errors[0], errors


def test_rocm_needs_auto_not_all():
    assert logic.container_errors(_settings(bundles=["rocm"], gpus="auto")) == []
    errors = logic.container_errors(_settings(bundles=["rocm"], gpus="all"))
    assert len(errors) == 1 and "ROCm (AMD) image" in errors[0]


def test_every_problem_is_reported_at_once():
    errors = ollama_container_errors.ollama_container_errors(
        _settings(image="x:1", name="-", publish_address="0.0.0.0", models_dir="/m"))
    assert len(errors) == 4


# ----------------------------------------------------------------------------------------- environment

def test_container_env_is_the_binary_env_with_the_container_differences():
    """vars/main.yml builds __ollama_container_env from __ollama_settings with these overrides."""
    settings = {
        "home": "/usr/share/ollama", "bind_address": "127.0.0.1", "port": 8080, "models_dir": None,
        "origins": ["https://dify.example.com"], "keep_alive": "10m", "flash_attention": True,
        "kv_cache_type": "q8_0", "environment": {"OLLAMA_NO_CLOUD": True},
    }
    binary = role_logic.service_env(settings)
    container = role_logic.service_env(dict(settings, home="/root", bind_address="0.0.0.0", port=11434,
                                            models_dir=None))
    assert container["OLLAMA_HOST"] == "0.0.0.0:11434" and container["HOME"] == "/root"
    assert {k: v for k, v in container.items() if k not in ("HOME", "OLLAMA_HOST")} == \
        {k: v for k, v in binary.items() if k not in ("HOME", "OLLAMA_HOST")}


def test_vars_build_the_container_env_that_way():
    with open(os.path.join(ROLE, "vars", "main.yml")) as handle:
        text = handle.read()
    assert "combine({'home': '/root', 'bind_address': '0.0.0.0', 'port': 11434, 'models_dir': none})" in text
