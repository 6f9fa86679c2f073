# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A lab of systemd containers for playbooks/site.yml: N Ollama servers, gateways, and (offline) a model registry.

  python scripts/lab.py up NAME --servers 2 [--gateways 1] [--version 0.32.15] [--source standin|release]
                             [--layout heterogeneous|PATH] [--gateway-image IMAGE]
  python scripts/lab.py down NAME
  python scripts/lab.py ip NAME HOST

`up` starts the containers on a private Docker network NAME-net (systemd as PID 1, the capability set of
.config/molecule/config.yml), writes an inventory to build/lab/NAME/hosts.yml (groups ollama_servers and
ollama_gateways, plus lab_registry offline) and waits for systemd. Used by `make demo`, tests/fleet/run.py and
bench/fleet_bench.py. Every container and the network carry the label localllm.lab=NAME; `down` removes them.

Sources: `release` installs Ollama from ollama's GitHub releases and pulls models from ollama.com; `standin`
installs the offline stand-in (build/standin, `make standin`) from the controller through the role's air-gapped
path (ollama_archive_src) and serves models from a stand-in registry container.

Layouts (`--layout NAME` = tests/lab/layouts/NAME.yml, or a path) give hosts their own variables, written into the
inventory as host variables (they win over tests/lab/group_vars, and leave build/lab/NAME/host_vars to the tests):
a mapping from a host's suffix (`server1`, `gw1`) or `servers` / `gateways` (every one of them) to variables.
Without a layout every server gets the same variables (`make demo`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = "localllm-test/debian12-systemd:latest"
LAYOUTS = os.path.join(REPO, "tests", "lab", "layouts")
PLATFORM_DEFAULTS = os.path.join(REPO, "molecule", "resources", "vars", "systemd-platform.yml")


def run_flags(path=PLATFORM_DEFAULTS):
    """`docker run` flags for a systemd container, from the one platform block molecule uses too."""
    with open(path, encoding="utf-8") as stream:
        platform = yaml.safe_load(stream)["__molecule_platform_defaults"]
    flags = []
    for cap in platform.get("capabilities", []):
        flags += ["--cap-add", cap]
    for opt in platform.get("security_opts", []):
        flags += ["--security-opt", opt]
    if platform.get("cgroupns_mode"):
        flags += ["--cgroupns", platform["cgroupns_mode"]]
    for volume in platform.get("volumes", []):
        flags += ["-v", volume]
    for mount in platform.get("tmpfs", []):
        flags += ["--tmpfs", mount]
    if platform.get("stop_signal"):
        flags += ["--stop-signal", platform["stop_signal"]]
    for key, value in sorted((platform.get("env") or {}).items()):
        flags += ["-e", "%s=%s" % (key, value)]
    return flags


RUN_FLAGS = run_flags()


def docker(*args, check=True, capture=True):
    result = subprocess.run(["docker", *args], capture_output=capture, text=True, check=False)
    if check and result.returncode != 0:
        sys.exit("lab: docker %s failed: %s" % (" ".join(args[:3]), (result.stderr or "").strip()))
    return (result.stdout or "").strip()


def lab_dir(name):
    return os.path.join(REPO, "build", "lab", name)


def container_ip(container, network):
    return docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"%s\").IPAddress}}" % network, container)


def wait_systemd(containers, timeout=120):
    deadline = time.monotonic() + timeout
    for container in containers:
        while True:
            state = subprocess.run(["docker", "exec", container, "systemctl", "is-system-running"],
                                   capture_output=True, text=True, check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            if time.monotonic() > deadline:
                sys.exit("lab: systemd in %s did not come up within %ds (state %r)" % (container, timeout, state))
            time.sleep(0.5)


REGISTRY_UNIT = """[Unit]
Description=Stand-in model registry (lab only)
[Service]
ExecStart=/usr/bin/python3 /opt/localllm-standin/registry.py --host 0.0.0.0 --port 5000
Restart=on-failure
[Install]
WantedBy=multi-user.target
"""


def start_registry(container):
    """The stand-in model registry (tests/standin/registry.py) on port 5000 of the lab network."""
    docker("exec", container, "mkdir", "-p", "/opt/localllm-standin")
    for item in ("registry.py", "ollama_standin"):
        docker("cp", os.path.join(REPO, "tests", "standin", item), "%s:/opt/localllm-standin/" % container)
    subprocess.run(["docker", "exec", "-i", container, "sh", "-c",
                    "cat > /etc/systemd/system/standin-registry.service && systemctl daemon-reload && "
                    "systemctl enable --now standin-registry"], input=REGISTRY_UNIT, text=True,
                   capture_output=True, check=True)
    deadline = time.monotonic() + 30
    probe = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/v2/', timeout=2)"
    while subprocess.run(["docker", "exec", container, "python3", "-c", probe], capture_output=True,
                         check=False).returncode != 0:
        if time.monotonic() > deadline:
            sys.exit("lab: the stand-in registry in %s did not answer within 30 s" % container)
        time.sleep(0.5)


def load_layout(layout):
    """The layout file (a name under tests/lab/layouts or a path) as {key: {variable: value}}; {} for none."""
    if not layout:
        return {}
    path = layout if os.sep in layout or layout.endswith(".yml") else os.path.join(LAYOUTS, layout + ".yml")
    if not os.path.isfile(path):
        sys.exit("lab: no layout %s (known: %s)" % (path, ", ".join(sorted(
            f[:-4] for f in os.listdir(LAYOUTS) if f.endswith(".yml")))))
    with open(path, encoding="utf-8") as stream:
        found = yaml.safe_load(stream) or {}
    if not isinstance(found, dict) or not all(isinstance(v, dict) for v in found.values()):
        sys.exit("lab: layout %s must map host suffixes (server1, gw1) or servers/gateways to variables" % path)
    return found


def layout_vars(layout, name, container, group):
    """The variables `layout` gives `container` of `group` ('servers' or 'gateways'): the group's, then its own."""
    found = dict(layout.get(group) or {})
    found.update(layout.get(container[len(name) + 1:]) or {})
    return found


def up(args):
    name = args.name
    network = "%s-net" % name
    label = "localllm.lab=%s" % name
    if not docker("network", "ls", "-q", "--filter", "name=^%s$" % network):
        docker("network", "create", "--label", label, network)
    servers = ["%s-server%d" % (name, i) for i in range(1, args.servers + 1)]
    gateways = ["%s-gw%d" % (name, i) for i in range(1, args.gateways + 1)]
    support = ["%s-registry" % name] if args.source == "standin" else []
    layout = load_layout(args.layout)
    unknown = sorted(set(layout) - {"servers", "gateways"} - {c[len(name) + 1:] for c in servers + gateways})
    if unknown:
        sys.exit("lab: layout %s names hosts this lab does not have: %s" % (args.layout, ", ".join(unknown)))
    for container in servers + gateways + support:
        if docker("ps", "-aq", "--filter", "name=^%s$" % container):
            continue
        image = args.gateway_image if container in gateways and args.gateway_image else args.image
        docker("run", "-d", "--name", container, "--hostname", container, "--network", network,
               "--label", label, *RUN_FLAGS, image, "/sbin/init")
    wait_systemd(servers + gateways + support)
    for container in support:
        start_registry(container)

    subnet = json.loads(docker("network", "inspect", network))[0]["IPAM"]["Config"][0]["Subnet"]
    ips = {c: container_ip(c, network) for c in servers + gateways + support}
    os.makedirs(lab_dir(name), exist_ok=True)
    key_file = os.path.join(lab_dir(name), "api-key")
    if not os.path.exists(key_file):
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write("lab-" + secrets.token_hex(24) + "\n")

    def host(container):
        found = {"ansible_connection": "community.docker.docker", "ansible_host": container}
        if container in servers:
            # how the gateways reach the server (ansible_host is a container name, not an address)
            found["gateway_backend_address"] = ips[container]
            found.update(layout_vars(layout, name, container, "servers"))
        elif container in gateways:
            found.update(layout_vars(layout, name, container, "gateways"))
        return found

    inventory = {"all": {
        "vars": {
            "lab_name": name,
            "lab_source": args.source,
            "lab_subnet": subnet,
            "lab_dir": lab_dir(name),
            "lab_repo": REPO,
            "lab_registry": ("%s:5000" % ips[support[0]]) if support else "",
            "ollama_version": args.version,
            "lab_layout": args.layout or "",
        },
        "children": {
            "ollama_servers": {"hosts": {c: host(c) for c in servers}},
            "ollama_gateways": {"hosts": {c: host(c) for c in gateways}},
            "lab_registry": {"hosts": {c: host(c) for c in support}},
        },
    }}
    inventory_file = os.path.join(lab_dir(name), "hosts.yml")
    with open(inventory_file, "w") as handle:
        handle.write("# generated by scripts/lab.py; group_vars come from tests/lab/group_vars\n")
        yaml.safe_dump(inventory, handle, default_flow_style=False, sort_keys=False)
    group_vars = os.path.join(lab_dir(name), "group_vars")
    if not os.path.islink(group_vars):
        os.symlink(os.path.join(REPO, "tests", "lab", "group_vars"), group_vars)
    print("lab %s: %d server(s), %d gateway(s)%s%s on %s; inventory %s" % (
        name, len(servers), len(gateways), ", a stand-in registry" if support else "",
        ", layout %s" % args.layout if args.layout else "", subnet, inventory_file))


def down(args):
    label = "localllm.lab=%s" % args.name
    containers = docker("ps", "-aq", "--filter", "label=%s" % label).split()
    if containers:
        docker("rm", "-f", "-v", *containers)
    for network in docker("network", "ls", "-q", "--filter", "label=%s" % label).split():
        docker("network", "rm", network)
    print("lab %s: removed %d container(s)" % (args.name, len(containers)))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up")
    p_up.add_argument("name")
    p_up.add_argument("--servers", type=int, default=2)
    p_up.add_argument("--gateways", type=int, default=1)
    p_up.add_argument("--version", default="0.32.15")
    p_up.add_argument("--source", choices=["standin", "release"], default="standin")
    p_up.add_argument("--image", default=IMAGE)
    p_up.add_argument("--gateway-image", default="", help="image of the gateways (default: --image)")
    p_up.add_argument("--layout", default="", help="per-host variables: a name under tests/lab/layouts or a path")
    p_down = sub.add_parser("down")
    p_down.add_argument("name")
    p_ip = sub.add_parser("ip")
    p_ip.add_argument("name")
    p_ip.add_argument("host")
    args = parser.parse_args(argv)
    if args.command == "up":
        if args.servers < 1 or args.gateways < 0:
            parser.error("--servers must be at least 1 and --gateways at least 0")
        up(args)
    elif args.command == "down":
        down(args)
    else:
        print(container_ip(args.host, "%s-net" % args.name))


if __name__ == "__main__":
    main(sys.argv[1:])
