# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/gateway/files/ollama-gateway-upstream, the drain tool of playbooks/upgrade.yml, run as a program against
a temp directory: a vhost with the upstream block as the role writes it, a fake `nginx -t` checker, a fake reload
command that records its calls, and fake /proc/net/tcp tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TOOL = os.path.join(REPO, "roles", "gateway", "files", "ollama-gateway-upstream")

VHOST = """\
# managed
upstream ollama_gateway_upstream {
    zone ollama_gateway_upstream 64k;
    server 10.0.0.11:11434 max_fails=3 fail_timeout=10s;
    server 10.0.0.12:11434 max_fails=3 fail_timeout=10s;
    keepalive 16;
}
server {
    listen 443 ssl;
    server 10.0.0.99:1 is not in the upstream;
}
"""
TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def tcp_row(remote_ip, remote_port, state="01"):
    """A /proc/net/tcp row with the given remote address (little-endian hex, as the kernel writes it)."""
    raw = bytes(int(part) for part in remote_ip.split("."))[::-1].hex().upper()
    return "   0: 0100007F:9C40 %s:%04X %s 00000000:00000000 00:00000000 00000000     0        0 1\n" % (
        raw, remote_port, state)


@pytest.fixture
def gw(tmp_path):
    class Gateway:
        dir = tmp_path
        vhost = tmp_path / "ollama-gateway.conf"
        tcp = tmp_path / "tcp"
        reloads = tmp_path / "reloads.log"
        checks = tmp_path / "checks.log"
        config = tmp_path / "upstream-tool.json"

        def run(self, *args):
            result = subprocess.run([sys.executable, TOOL, "--config", str(self.config), *args],
                                    capture_output=True, text=True, check=False)
            out = json.loads(result.stdout)
            return result.returncode, out

        def reload_count(self):
            return len(self.reloads.read_text().splitlines()) if self.reloads.exists() else 0

        def set_connections(self, *rows):
            self.tcp.write_text(TCP_HEADER + "".join(rows))

    g = Gateway()
    g.vhost.write_text(VHOST)
    g.set_connections()
    check = tmp_path / "check.sh"
    check.write_text("#!/bin/sh\necho \"$1\" >> %s\ngrep -q 'upstream ollama_gateway_upstream' \"$1\"\n" % g.checks)
    check.chmod(0o755)
    reload = tmp_path / "reload.sh"
    reload.write_text("#!/bin/sh\necho reload >> %s\n" % g.reloads)
    reload.chmod(0o755)
    g.config.write_text(json.dumps({
        "vhost": str(g.vhost), "check": str(check), "reload": [str(reload)],
        "upstream": "ollama_gateway_upstream", "tcp_tables": [str(g.tcp)],
        "backends": {"srv1": "10.0.0.11:11434", "srv2": "10.0.0.12:11434"},
    }))
    return g


def test_drain_marks_the_server_down_and_reloads_once(gw):
    rc, out = gw.run("drain", "10.0.0.11:11434")
    assert rc == 0, out
    assert out["changed"] is True and out["backend"] == "10.0.0.11:11434"
    text = gw.vhost.read_text()
    assert "    server 10.0.0.11:11434 max_fails=3 fail_timeout=10s down;\n" in text
    assert "    server 10.0.0.12:11434 max_fails=3 fail_timeout=10s;\n" in text
    assert "server 10.0.0.99:1 is not in the upstream;" in text  # lines outside the upstream block untouched
    assert gw.reload_count() == 1
    assert gw.checks.exists()  # the candidate went through the checker

    rc, out = gw.run("drain", "10.0.0.11:11434")
    assert rc == 0 and out["changed"] is False
    assert gw.reload_count() == 1  # idempotent: no second reload


def test_drain_by_inventory_name(gw):
    rc, out = gw.run("drain", "srv2")
    assert rc == 0 and out["changed"] is True and out["backend"] == "10.0.0.12:11434"
    assert "server 10.0.0.12:11434 max_fails=3 fail_timeout=10s down;" in gw.vhost.read_text()


def test_enable_puts_it_back(gw):
    gw.run("drain", "srv1")
    rc, out = gw.run("enable", "srv1")
    assert rc == 0 and out["changed"] is True
    assert gw.vhost.read_text() == VHOST
    assert gw.reload_count() == 2
    rc, out = gw.run("enable", "srv1")
    assert rc == 0 and out["changed"] is False and gw.reload_count() == 2


def test_status_lists_servers_with_names_and_connections(gw):
    gw.set_connections(tcp_row("10.0.0.11", 11434), tcp_row("10.0.0.11", 11434), tcp_row("10.0.0.11", 11434, "06"))
    gw.run("drain", "srv1")
    rc, out = gw.run("status")
    assert rc == 0 and out["changed"] is False
    assert out["servers"] == [
        {"backend": "10.0.0.11:11434", "server": "srv1", "down": True, "connections": 2},
        {"backend": "10.0.0.12:11434", "server": "srv2", "down": False, "connections": 0},
    ]


def test_unknown_backend_fails_naming_the_known_ones(gw):
    rc, out = gw.run("drain", "srv9")
    assert rc == 1 and out["failed"] is True
    assert "srv9 is not a server of upstream ollama_gateway_upstream" in out["msg"]
    assert "srv1 (10.0.0.11:11434)" in out["msg"] and "srv2 (10.0.0.12:11434)" in out["msg"]
    rc, out = gw.run("drain", "10.0.0.99:1")
    assert rc == 1 and "known: srv1" in out["msg"]
    assert gw.vhost.read_text() == VHOST and gw.reload_count() == 0


def test_refuses_the_last_backend_unless_forced(gw):
    gw.run("drain", "srv1")
    rc, out = gw.run("drain", "srv2")
    assert rc == 1 and "last backend that is up" in out["msg"]
    rc, out = gw.run("drain", "srv2", "--force")
    assert rc == 0 and out["changed"] is True


def test_rejected_candidate_leaves_the_vhost_unchanged(gw):
    config = json.loads(gw.config.read_text())
    config["check"] = "/bin/false"
    gw.config.write_text(json.dumps(config))
    rc, out = gw.run("drain", "srv1")
    assert rc == 1 and "nginx -t rejected the candidate" in out["msg"]
    assert gw.vhost.read_text() == VHOST and gw.reload_count() == 0
    assert [p.name for p in gw.dir.iterdir() if p.name.startswith(".ollama-gateway.")] == []


def test_failed_reload_is_an_error(gw):
    config = json.loads(gw.config.read_text())
    config["reload"] = ["/bin/sh", "-c", "echo nginx is down >&2; exit 3"]
    gw.config.write_text(json.dumps(config))
    rc, out = gw.run("drain", "srv1")
    assert rc == 1 and "rc=3" in out["msg"] and "nginx is down" in out["msg"]


def test_wait_returns_once_the_connections_are_gone(gw):
    gw.set_connections(tcp_row("10.0.0.11", 11434))

    def close_later():
        time.sleep(1.5)
        gw.set_connections(tcp_row("10.0.0.12", 11434))

    closer = threading.Thread(target=close_later)
    closer.start()
    start = time.monotonic()
    rc, out = gw.run("drain", "srv1", "--wait", "20")
    closer.join()
    assert rc == 0, out
    assert out["connections"] == 0 and out["changed"] is True
    assert 1.0 <= time.monotonic() - start < 15


def test_wait_times_out_with_a_clear_error(gw):
    gw.set_connections(tcp_row("10.0.0.11", 11434), tcp_row("10.0.0.11", 11434))
    start = time.monotonic()
    rc, out = gw.run("drain", "srv1", "--wait", "1")
    assert rc == 1
    assert out["msg"] == ("10.0.0.11:11434 still has 2 connection(s) from this gateway after 1s; raise the wait "
                          "or check for stuck streams")
    assert time.monotonic() - start < 10
    assert "down;" in gw.vhost.read_text()  # drained all the same: it stays out until enable


def test_missing_config_fails_clearly(gw, tmp_path):
    result = subprocess.run([sys.executable, TOOL, "--config", str(tmp_path / "nope.json"), "status"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "cannot read the config file" in json.loads(result.stdout)["msg"]


def test_config_without_required_keys_fails(gw):
    gw.config.write_text(json.dumps({"vhost": str(gw.vhost)}))
    rc, out = gw.run("status")
    assert rc == 1 and out["msg"].endswith("lacks check, reload")


# --- gateway_routing model_affinity: the drained marks live in the routing settings the Lua code reads ----------
@pytest.fixture
def routed(gw, tmp_path):
    routing = tmp_path / "routing.json"
    routing.write_text(json.dumps({"routing": True, "backends": [
        {"name": "srv1", "address": "10.0.0.11", "port": 11434, "models": [], "parallel": 1, "down": False},
        {"name": "srv2", "address": "10.0.0.12", "port": 11434, "models": ["a"], "parallel": 1, "down": False},
    ]}))
    config = json.loads(gw.config.read_text())
    config["routing"] = str(routing)
    gw.config.write_text(json.dumps(config))
    gw.routing = routing
    return gw


def _down(gw):
    return {b["name"]: b["down"] for b in json.loads(gw.routing.read_text())["backends"]}


def test_routing_drain_marks_the_backend_down_checks_and_reloads(routed):
    vhost_before = routed.vhost.read_text()
    rc, out = routed.run("drain", "srv1")
    assert rc == 0 and out["changed"] is True and out["backend"] == "10.0.0.11:11434"
    assert _down(routed) == {"srv1": True, "srv2": False}
    assert routed.reload_count() == 1
    # checked with the installed vhost (nginx -t loads the routing settings), which stays as it was
    assert routed.checks.read_text().split() == [str(routed.vhost)]
    assert routed.vhost.read_text() == vhost_before
    rc, out = routed.run("drain", "10.0.0.11:11434")
    assert rc == 0 and out["changed"] is False and routed.reload_count() == 1
    rc, out = routed.run("status")
    assert [(s["server"], s["down"]) for s in out["servers"]] == [("srv1", True), ("srv2", False)]
    rc, out = routed.run("enable", "srv1")
    assert rc == 0 and out["changed"] is True and _down(routed) == {"srv1": False, "srv2": False}


def test_routing_refuses_the_last_backend_and_unknown_names(routed):
    assert routed.run("drain", "srv1")[0] == 0
    rc, out = routed.run("drain", "srv2")
    assert rc == 1 and "last backend" in out["msg"] and _down(routed)["srv2"] is False
    rc, out = routed.run("drain", "srv9")
    assert rc == 1 and "srv1 (10.0.0.11:11434)" in out["msg"]
    assert routed.run("drain", "srv2", "--force")[0] == 0 and _down(routed)["srv2"] is True


def test_routing_rejected_check_puts_the_old_settings_back(routed):
    before = routed.routing.read_text()
    routed.vhost.write_text("no upstream block here\n")
    rc, out = routed.run("drain", "srv1")
    assert rc == 1 and "rejected" in out["msg"]
    assert routed.routing.read_text() == before and routed.reload_count() == 0


def test_drain_and_enable_leave_the_rendered_routing_settings_byte_for_byte(routed, tmp_path):
    # the role's template and the tool serialise alike: a converge after drain + enable changes nothing
    from gateway_render import render

    rendered = render(tmp_path, template="routing.json.j2", gateway_upstream_address="10.0.0.5")
    routed.routing.write_text(rendered)
    assert routed.run("drain", "localhost", "--force")[0] == 0
    assert json.loads(routed.routing.read_text())["backends"][0]["down"] is True
    assert routed.run("enable", "localhost")[0] == 0
    assert routed.routing.read_text() == rendered
