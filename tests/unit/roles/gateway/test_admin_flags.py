# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who the gateway treats as admin, from the role's real defaults, vars and templates.

Argument validation accepts the strings "false"/"no" for a bool option, so the role must not treat such a string as
true (issue #12, item 3)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gateway_render import NginxMap, render  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook not on PATH")


def _snippet_header(tmp_path, key):
    text = render(tmp_path, template="client.txt.j2", gateway_api_keys=[key], item=[key, "txt"],
                  inventory_hostname="gw1", __gateway_base_url="https://gw.example.test")
    return next(line for line in text.splitlines() if line.startswith("Ollama gateway"))


@pytest.mark.parametrize("false_value", ["false", "no", "False", "0", False])
def test_string_false_is_not_admin(tmp_path, false_value):
    users = [{"name": "alice", "password": "alice-password", "admin": false_value},
             {"name": "root", "password": "root-password", "admin": True}]
    keys = [{"id": "app", "key": "a" * 32, "admin": false_value},
            {"id": "ops", "key": "o" * 32, "admin": "yes"},
            {"id": "plain", "key": "p" * 32}]
    denied = NginxMap(render(tmp_path, gateway_basic_users=users, gateway_api_keys=keys), "ollama_gw_admin_denied")
    # "<method>|<key id>|<basic user>" -> 1 means 403 on the admin endpoints
    assert [denied("POST|%s|" % k["id"]) for k in keys] == ["1", "0", "1"]
    assert [denied("POST||%s" % u["name"]) for u in users] == ["1", "0"]
    # the client snippets call a key admin only when it is
    assert ["admin" in _snippet_header(tmp_path, k) for k in keys] == [False, True, False]
