# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module is an implementation detail of the localllm.ollama.ollama role (ollama_install_method:
# container) and of its internal filters
# localllm.ollama._ollama_container_* (plugins/filter/_ollama.py). It is not a public API.
#
# Pure functions only, so the logic is unit-testable without a host or a Docker engine.
"""Pure logic behind the container install method of the ``localllm.ollama.ollama`` role."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import strip_brackets
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError
from ansible_collections.localllm.ollama.plugins.plugin_utils._ollama_archive import normalize_version

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
    return strip_brackets(str(address).strip())


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
        "on the same host, or, if you really want the port open, set ollama_container_publish_public: true: the "
        "role then lets only the hosts of ollama_container_allowed_group and ollama_container_allowed_cidrs reach "
        "it (Docker's DOCKER-USER chain)" % (what, UFW_NOTE)
    ]


def container_errors(settings):
    """Every problem with the container settings (used by preflight); returns a list of messages.

    ``settings`` keys: image, tag, name, volume, publish_address, publish_public, gpus, models_dir, hardening,
    bundles, and for the DOCKER-USER guard (see guard_errors) docker_user, allowed_group, allowed_sources,
    allowed_cidrs.
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
    errors.extend(guard_errors(settings))
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


# --------------------------------------------------------------------------------------------- DOCKER-USER guard
#
# Docker DNATs a published port in the nat table's PREROUTING and forwards the packet to the container, so it never
# passes UFW's INPUT rules. Docker's own FORWARD rules jump to the DOCKER-USER chain first; the guard is a chain of
# its own, reached from DOCKER-USER only for connections Docker DNATed from the published port (conntrack keeps
# the original destination; the packet in FORWARD already carries the container's address and port):
#
#   DOCKER-USER: -p tcp -m conntrack --ctstate DNAT --ctorigdstport <port> --ctdir ORIGINAL
#                [--ctorigdst <publish address>] -j OLLAMA-DOCKER-USER
#   OLLAMA-DOCKER-USER: established/related -> RETURN, each allowed source -> RETURN, everything else -> DROP
#
# RETURN hands allowed packets back to Docker's own rules. Reply packets (--ctdir REPLY), the container's own
# outbound connections (not DNATed) and other containers' published ports (another original port or address)
# never enter the chain.

GUARD_CHAIN = "OLLAMA-DOCKER-USER"
GUARD_COMMANDS = {"ipv4": "iptables", "ipv6": "ip6tables"}


def _label(family):
    return family.replace("ipv", "IPv")


def guard_active(publish_address, public=False, docker_user=True):
    """True when the role filters the published port: public, managed, and a non-loopback IP address."""
    if public is not True or docker_user is not True:
        return False
    try:
        ip = ipaddress.ip_address(_bare(publish_address))
    except ValueError:
        return False
    return not ip.is_loopback


def guard_families(publish_address):
    """Address families Docker may DNAT the published port in: ``::`` may be dual-stack, so both."""
    ip = ipaddress.ip_address(_bare(publish_address))
    if ip.version == 4:
        return ["ipv4"]
    return ["ipv4", "ipv6"] if ip.is_unspecified else ["ipv6"]


def _source_network(source):
    return ipaddress.ip_network(_bare(source), strict=False)


def guard_sources(allowed_sources=None, allowed_cidrs=None):
    """The allowed networks (group host addresses, then the extra CIDRs), normalised and without repeats."""
    out = []
    entries = [item.get("address") if isinstance(item, dict) else item for item in (allowed_sources or [])]
    for entry in entries + list(allowed_cidrs or []):
        if entry is None or str(entry).strip() == "":
            continue
        network = _source_network(entry).compressed
        if network not in out:
            out.append(network)
    return out


def guard_errors(settings):
    """Problems with the guard settings; only checked when the guard is active (and the CIDRs always)."""
    errors = []
    cidrs = settings.get("allowed_cidrs")
    if cidrs is None:
        cidrs = []
    if not isinstance(cidrs, (list, tuple)):
        return ["ollama_container_allowed_cidrs must be a list of addresses or networks, for example ['10.0.0.5', "
                "'192.168.1.0/24'], not %r" % (cidrs,)]
    bad = []
    for cidr in cidrs:
        try:
            _source_network(cidr)
        except (TypeError, ValueError):
            bad.append(cidr)
    if bad:
        errors.append(
            "ollama_container_allowed_cidrs: %s %s not an IP address or network; write addresses such as 10.0.0.5 "
            "or networks such as 192.168.1.0/24 (no host names)"
            % (", ".join(repr(item) for item in bad), "is" if len(bad) == 1 else "are")
        )
    if errors or settings.get("state") == "absent" or not guard_active(
            settings.get("publish_address"), settings.get("publish_public"), settings.get("docker_user", True)):
        return errors
    group = settings.get("allowed_group") or ""
    sources = settings.get("allowed_sources") or []
    unknown = [item.get("host") for item in sources if not item.get("address")]
    if unknown:
        errors.append(
            "ollama_container_allowed_group '%s': no IP address is known for %s, so the role cannot let %s through "
            "to the published port. Set firewall_address (or ansible_host) to the IP address the host connects "
            "from, or gather its facts in the same play (site.yml does)"
            % (group, ", ".join(str(host) for host in unknown), "it" if len(unknown) == 1 else "them")
        )
        return errors
    families = guard_families(settings.get("publish_address"))
    usable = [net for net in guard_sources(sources, cidrs)
              if ("ipv%d" % ipaddress.ip_network(net).version) in families]
    if not usable:
        where = ("the group '%s' has no hosts" % group if not sources else
                 "the hosts of the group '%s' have no %s address"
                 % (group, " or ".join(_label(family) for family in families)))
        errors.append(
            "ollama_container_publish_public is true, but no host could reach the published port: %s "
            "(ollama_container_allowed_group) and ollama_container_allowed_cidrs lists no %s address. Put the gateways "
            "in that inventory group or add their addresses to ollama_container_allowed_cidrs. To open the port to "
            "every address on purpose, set ollama_container_allowed_cidrs: [%s]; to filter it yourself, set "
            "ollama_container_docker_user: false"
            % (where if group else "ollama_container_allowed_group is empty",
               " or ".join(_label(family) for family in families),
               ", ".join("'0.0.0.0/0'" if family == "ipv4" else "'::/0'" for family in families))
        )
    return errors


def guard(settings):
    """The guard for the role's container settings (see container_errors): ``guard_plan`` plus ``active``.

    Not active (``families`` empty) when the port is published on loopback, without ollama_container_publish_public
    or with ollama_container_docker_user false: then the role removes the guard.
    """
    active = guard_active(settings.get("publish_address"), settings.get("publish_public"),
                          settings.get("docker_user", True))
    if not active:
        return {"active": False, "chain": GUARD_CHAIN, "families": []}
    plan = guard_plan(settings.get("publish_address"), settings.get("port"), settings.get("allowed_sources"),
                      settings.get("allowed_cidrs"), settings.get("name") or "ollama")
    plan["active"] = True
    return plan


def guard_plan(publish_address, port, allowed_sources=None, allowed_cidrs=None, name="ollama"):
    """The rules of the guard, per address family (``iptables`` / ``ip6tables``).

    Returns ``{"chain": ..., "families": [{"family", "command", "jump", "rules"}]}`` where ``jump`` is the argument
    list of the one rule in DOCKER-USER and ``rules`` the argument lists of the guard chain, in order. Every argument
    is a single shell-safe word (addresses, numbers, fixed words), so the script that applies them needs no quoting.
    """
    ip = ipaddress.ip_address(_bare(publish_address))
    port = int(port)
    if not 0 < port < 65536:
        raise OllamaRoleError("the published port %r is not a TCP port (1-65535)" % port)
    if not OBJECT_NAME_RE.match(str(name)):
        raise OllamaRoleError("the container name %r is not a Docker container name" % (name,))
    networks = [ipaddress.ip_network(net) for net in guard_sources(allowed_sources, allowed_cidrs)]
    families = []
    for family in guard_families(publish_address):
        version = int(family[-1])
        jump = ["-p", "tcp", "-m", "conntrack", "--ctstate", "DNAT", "--ctorigdstport", str(port),
                "--ctdir", "ORIGINAL"]
        if not ip.is_unspecified:
            jump += ["--ctorigdst", ip.compressed]
        jump += ["-m", "comment", "--comment", "localllm.ollama:%s" % name, "-j", GUARD_CHAIN]
        rules = [["-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"]]
        rules += [["-s", net.compressed, "-j", "RETURN"] for net in networks if net.version == version]
        rules.append(["-j", "DROP"])
        families.append({"family": family, "command": GUARD_COMMANDS[family], "jump": jump, "rules": rules})
    return {"chain": GUARD_CHAIN, "families": families}
