# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the container install method of the localllm.ollama.ollama role (plugin_utils/_ollama_container.py)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_container as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_service as service
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError


ROLE = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "ollama"))
GATEWAY = [{"host": "gw1", "address": "10.0.0.5"}]


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
        bundles=defaults["ollama_gpu_bundles"], docker_user=defaults["ollama_container_docker_user"],
        allowed_group=defaults["ollama_container_allowed_group"],
        allowed_cidrs=defaults["ollama_container_allowed_cidrs"],
    )
    assert logic.container_errors(settings) == []
    # loopback by default: no DOCKER-USER filter
    assert logic.guard(dict(settings, port=defaults["ollama_port"]))["active"] is False
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
    with pytest.raises(OllamaRoleError, match="not an Ollama release version"):
        logic.container_tag("0.32", None, [])


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
    with pytest.raises(OllamaRoleError, match="not an IP address"):
        logic.published_port(address, 11434)


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
    assert "ollama_container_allowed_group" in errors[0]
    # the opt-in alone is not enough any more: someone must be allowed through the DOCKER-USER filter
    assert logic.container_errors(_settings(publish_address=address, publish_public=True, allowed_sources=GATEWAY)) == []


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
    errors = logic.container_errors(
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
    binary = service.service_env(settings)
    container = service.service_env(dict(settings, home="/root", bind_address="0.0.0.0", port=11434,
                                         models_dir=None))
    assert container["OLLAMA_HOST"] == "0.0.0.0:11434" and container["HOME"] == "/root"
    assert {k: v for k, v in container.items() if k not in ("HOME", "OLLAMA_HOST")} == \
        {k: v for k, v in binary.items() if k not in ("HOME", "OLLAMA_HOST")}


def test_vars_build_the_container_env_that_way():
    with open(os.path.join(ROLE, "vars", "main.yml")) as handle:
        text = handle.read()
    assert "combine({'home': '/root', 'bind_address': '0.0.0.0', 'port': 11434, 'models_dir': none})" in text


# ----------------------------------------------------------------------------------------- DOCKER-USER guard
def _public(**overrides):
    return _settings(**dict({"publish_address": "0.0.0.0", "publish_public": True, "port": 11434,
                             "allowed_group": "ollama_gateways", "allowed_sources": GATEWAY,
                             "allowed_cidrs": []}, **overrides))


def _jump(port=11434, extra=()):
    return (["-p", "tcp", "-m", "conntrack", "--ctstate", "DNAT", "--ctorigdstport", str(port), "--ctdir", "ORIGINAL"]
            + list(extra) + ["-m", "comment", "--comment", "localllm.ollama:ollama", "-j", "OLLAMA-DOCKER-USER"])


ESTABLISHED = ["-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"]
DROP = ["-j", "DROP"]


def test_public_port_gets_a_filter_for_the_gateways_and_the_extra_cidrs():
    guard = logic.guard(
        _public(allowed_cidrs=["192.168.1.0/24", "10.0.0.5", "192.168.7.9/16"]))
    assert guard["active"] is True and guard["chain"] == "OLLAMA-DOCKER-USER"
    assert guard["families"] == [{
        "family": "ipv4", "command": "iptables", "jump": _jump(),
        # established first, the sources in order without repeats (10.0.0.5 is the gateway and a CIDR), then DROP
        "rules": [ESTABLISHED, ["-s", "10.0.0.5/32", "-j", "RETURN"], ["-s", "192.168.1.0/24", "-j", "RETURN"],
                  ["-s", "192.168.0.0/16", "-j", "RETURN"], DROP],
    }]


def test_a_specific_publish_address_and_port_are_matched_as_the_original_destination():
    guard = logic.guard(_public(publish_address="10.0.0.7", port=8080))
    assert guard["families"][0]["jump"] == _jump(8080, ["--ctorigdst", "10.0.0.7"])


@pytest.mark.parametrize("address, families", [
    ("0.0.0.0", ["ipv4"]),
    ("10.0.0.7", ["ipv4"]),
    ("::", ["ipv4", "ipv6"]),
    ("[fd00::7]", ["ipv6"]),
])
def test_the_families_follow_the_publish_address(address, families):
    guard = logic.guard(_public(publish_address=address, allowed_cidrs=["fd00::/64"]))
    assert [family["family"] for family in guard["families"]] == families
    for family in guard["families"]:
        sources = [rule[1] for rule in family["rules"] if rule[0] == "-s"]
        assert sources == (["10.0.0.5/32"] if family["family"] == "ipv4" else ["fd00::/64"])
        assert family["command"] == ("iptables" if family["family"] == "ipv4" else "ip6tables")
        assert family["rules"][0] == ESTABLISHED and family["rules"][-1] == DROP


def test_a_specific_ipv6_address_is_matched_too():
    guard = logic.guard(_public(publish_address="fd00::7", allowed_cidrs=["fd00::1"]))
    assert guard["families"][0]["jump"] == _jump(extra=["--ctorigdst", "fd00::7"])


@pytest.mark.parametrize("overrides", [
    {"publish_address": "127.0.0.1"},
    {"publish_address": "::1"},
    {"publish_public": False},
    {"docker_user": False},
])
def test_no_filter_when_not_public_or_not_managed(overrides):
    guard = logic.guard(_public(**overrides))
    assert guard == {"active": False, "chain": "OLLAMA-DOCKER-USER", "families": []}


def test_the_filter_words_are_shell_safe():
    """The script splits the rules into words without quoting."""
    guard = logic.guard(_public(publish_address="::", allowed_cidrs=["fd00::/64", "192.168.1.0/24"]))
    for family in guard["families"]:
        for words in [family["jump"]] + family["rules"]:
            for word in words:
                assert word and all(c.isalnum() or c in "-_.:/," for c in word), word


@pytest.mark.parametrize("name, port", [("my ollama", 11434), ("ollama", 0), ("ollama", 70000)])
def test_guard_plan_refuses_what_the_script_cannot_carry(name, port):
    with pytest.raises(OllamaRoleError):
        logic.guard(_public(name=name, port=port))


def test_public_port_without_any_allowed_source_is_refused():
    errors = logic.container_errors(_public(allowed_sources=[]))
    assert len(errors) == 1
    assert "no host could reach the published port" in errors[0]
    assert "the group 'ollama_gateways' has no hosts" in errors[0]
    assert "ollama_container_allowed_cidrs: ['0.0.0.0/0']" in errors[0]
    assert "ollama_container_docker_user: false" in errors[0]


def test_the_explicit_opt_in_opens_the_port_to_everyone():
    settings = _public(allowed_sources=[], allowed_cidrs=["0.0.0.0/0"])
    assert logic.container_errors(settings) == []
    assert logic.guard(settings)["families"][0]["rules"][1] == ["-s", "0.0.0.0/0", "-j", "RETURN"]


def test_an_ipv6_publish_address_needs_an_ipv6_source():
    errors = logic.container_errors(_public(publish_address="fd00::7", allowed_group=""))
    assert len(errors) == 1 and "ollama_container_allowed_group is empty" in errors[0]
    assert "no IPv6 address" in errors[0] and "['::/0']" in errors[0]
    errors = logic.container_errors(_public(publish_address="fd00::7"))
    assert len(errors) == 1 and "the hosts of the group 'ollama_gateways' have no IPv6 address" in errors[0]
    assert logic.container_errors(_public(publish_address="fd00::7", allowed_cidrs=["fd00::1"])) == []


def test_a_gateway_without_an_address_is_named():
    errors = logic.container_errors(_public(allowed_sources=GATEWAY + [{"host": "gw2", "address": ""}],
                                            allowed_cidrs=["10.1.0.0/16"]))
    assert len(errors) == 1
    assert "ollama_container_allowed_group 'ollama_gateways': no IP address is known for gw2" in errors[0]
    assert "firewall_address" in errors[0]


@pytest.mark.parametrize("cidrs, fragment", [
    (["gw.example.com"], "'gw.example.com' is not an IP address or network"),
    (["10.0.0.0/33", "x"], "'10.0.0.0/33', 'x' are not"),
    ("10.0.0.5", "must be a list"),
])
def test_bad_extra_cidrs_are_refused_even_on_loopback(cidrs, fragment):
    errors = logic.container_errors(_settings(allowed_cidrs=cidrs))
    assert len(errors) == 1 and fragment in errors[0], errors
    assert "ollama_container_allowed_cidrs" in errors[0]


def test_sources_are_not_required_to_remove_the_container():
    assert logic.container_errors(_public(allowed_sources=[], state="absent")) == []
    assert logic.container_errors(_public(allowed_sources=[], docker_user=False)) == []


def test_vars_pick_the_group_addresses_like_the_firewall_role():
    """Both roles take firewall_address, then ansible_host, then the default IPv4 fact, with firewall_host_address."""
    candidates = ("hostvars[h]['firewall_address'] | default('')",
                  "hostvars[h]['ansible_host'] | default('')",
                  "hostvars[h]['ansible_facts']['default_ipv4']['address'] | default('')",
                  "localllm.ollama._firewall_host_address")
    for path in (os.path.join(ROLE, "vars", "main.yml"), os.path.join(ROLE, "..", "firewall", "vars", "main.yml")):
        with open(path) as handle:
            text = handle.read()
        positions = [text.find(candidate) for candidate in candidates]
        assert -1 not in positions and positions == sorted(positions), path
