# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module is an implementation detail of the localllm.ollama.ollama role (ollama_install_method:
# container) and of the localllm.ollama.ollama_container_* filter plugins. It is not a public API.
#
# Pure functions only, so the logic is unit-testable without a host or a Docker engine.
"""Pure logic behind the container install method of the ``localllm.ollama.ollama`` role."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.localllm.ollama.plugins.plugin_utils._ollama_role import (
    OllamaRoleError,
    normalize_version,
)

# The port Ollama listens on inside the container; the published host port is ollama_port.
CONTAINER_PORT = 11434

# Docker's reference grammar, without tag and digest: [host[:port]/]path, path components lower case.
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?)"
IMAGE_RE = re.compile(r"^(?:%s/)?%s(?:/%s)*$" % (_IMAGE_HOST, _IMAGE_COMPONENT, _IMAGE_COMPONENT))
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# Container and volume names (the Docker daemon's own rule).
OBJECT_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

UFW_NOTE = (
    "Docker publishes ports with its own NAT/FORWARD rules that packets hit before UFW's INPUT chain, so a port "
    "published on a non-loopback address is reachable whatever UFW says (moby/moby #4737, #22054)"
)


def _bare(address):
    address = str(address).strip()
    return address[1:-1] if address.startswith("[") and address.endswith("]") else address


def container_tag(version, tag=None, bundles=None):
    """The image tag: ``tag`` when given, else ``<version>`` (``<version>-rocm`` with the ROCm bundle).

    ``latest`` maps to upstream's floating tags ``latest`` / ``rocm``.
    """
    if tag:
        return str(tag)
    rocm = "rocm" in (bundles or [])
    if str(version).strip() == "latest":
        return "rocm" if rocm else "latest"
    return normalize_version(version) + ("-rocm" if rocm else "")


def published_port(address, port):
    """``docker run -p`` syntax for the published API port: ``127.0.0.1:11434:11434``, ``[::1]:11435:11434``."""
    bare = _bare(address)
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError as exc:
        raise OllamaRoleError(
            "the publish address %r is not an IP address; Docker publishes ports on IP addresses only" % address
        ) from exc
    host = "[%s]" % ip.compressed if ip.version == 6 else ip.compressed
    return "%s:%d:%d" % (host, int(port), CONTAINER_PORT)


def publish_address_errors(address, public=False):
    """The publish address must be an IP; a non-loopback one needs ``public`` (published ports bypass UFW)."""
    if address is None or str(address).strip() == "":
        return ["the publish address is empty; set ollama_container_publish_address: 127.0.0.1"]
    try:
        ip = ipaddress.ip_address(_bare(address))
    except ValueError:
        hint = " (write 127.0.0.1)" if str(address).strip().lower() == "localhost" else ""
        return [
            "ollama_container_publish_address (or ollama_bind_address, which it defaults to) %r is not an IP "
            "address; Docker publishes ports on IP addresses only%s" % (address, hint)
        ]
    if ip.is_loopback or public is True:
        return []
    what = "every interface" if ip.is_unspecified else "the non-loopback address %s" % ip.compressed
    return [
        "the API would be published on %s. %s. Keep the default 127.0.0.1 and put the localllm.ollama.gateway role "
        "on the same host, or, if you really want the port open, set ollama_container_publish_public: true and "
        "filter it in Docker's DOCKER-USER chain (see the firewall role's README)" % (what, UFW_NOTE)
    ]


def container_errors(settings):
    """Every problem with the container settings (used by preflight); returns a list of messages.

    ``settings`` keys: image, tag, name, volume, publish_address, publish_public, gpus, models_dir, hardening,
    bundles.
    """
    errors = []
    image = settings.get("image")
    if not isinstance(image, str) or image.strip() == "":
        errors.append("ollama_container_image is empty; use ollama/ollama or the path of your mirror")
    elif "@" in image:
        errors.append(
            "ollama_container_image %r contains a digest; give the repository only and the tag in "
            "ollama_container_tag" % image
        )
    elif ":" in image.rsplit("/", 1)[-1]:
        repository, tag = image.rsplit(":", 1)
        errors.append(
            "ollama_container_image %r contains a tag; set ollama_container_image: %r and ollama_container_tag: %r "
            "(or leave the tag null to follow ollama_version)" % (image, repository, tag)
        )
    elif not IMAGE_RE.match(image):
        errors.append(
            "ollama_container_image %r is not an image repository such as ollama/ollama or "
            "registry.example.com:5000/mirror/ollama (path components are lower case)" % image
        )
    tag = settings.get("tag")
    if tag is not None and not TAG_RE.match(str(tag)):
        errors.append(
            "ollama_container_tag %r is not a Docker tag (letters, digits, '_', '.', '-', at most 128 characters)" % tag
        )
    for key, label in (("name", "ollama_container_name"), ("volume", "ollama_container_volume")):
        value = settings.get(key)
        if not isinstance(value, str) or not OBJECT_NAME_RE.match(value):
            errors.append(
                "%s %r must be at least two characters of letters, digits, '_', '.' and '-', starting with a letter "
                "or digit%s" % (label, value, " (a named volume; host paths are not supported)"
                                if key == "volume" and str(value).startswith("/") else "")
            )
    errors.extend(publish_address_errors(settings.get("publish_address"), settings.get("publish_public")))
    if settings.get("models_dir"):
        errors.append(
            "ollama_models_dir %r applies to the binary install only; in a container the models live in the volume "
            "ollama_container_volume (mounted at /root/.ollama). Unset ollama_models_dir" % settings["models_dir"]
        )
    if settings.get("hardening"):
        errors.append(
            "ollama_systemd_hardening applies to the binary install's systemd unit only; the container runs under "
            "Docker's own isolation. Set it to false for ollama_install_method: container"
        )
    bundles = list(settings.get("bundles") or [])
    jetpack = [bundle for bundle in bundles if bundle.startswith("jetpack")]
    if jetpack:
        errors.append(
            "ollama_gpu_bundles %s: there is no Jetson image; the standard arm64 image carries the runners. Remove "
            "the bundle and set ollama_environment: {JETSON_JETPACK: '%s'}" % (", ".join(jetpack), jetpack[0][-1])
        )
    if "rocm" in bundles and settings.get("gpus") == "all":
        errors.append(
            "ollama_container_gpus: all requests NVIDIA GPUs, but ollama_gpu_bundles asks for the ROCm (AMD) image; "
            "use ollama_container_gpus: auto (passes /dev/kfd and /dev/dri when they exist) or none"
        )
    return errors
