# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway's Lua routing logic (roles/gateway/files/lua/ollama_gw/routing.lua), run outside nginx with the LuaJIT
CLI on the plain Lua tests in lua/. LuaJIT and lua-cjson are Debian packages the machine bootstrap installs
(scripts/ensure-lua.sh, run by `make env`/`make unit`): a missing luajit FAILS here, it does not skip."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
LUA_DIR = os.path.join(REPO, "roles", "gateway", "files", "lua")
TESTS = sorted(glob.glob(os.path.join(HERE, "lua", "test_*.lua")))


def test_there_are_lua_tests():
    assert TESTS


@pytest.mark.parametrize("path", TESTS, ids=[os.path.basename(p) for p in TESTS])
def test_lua(path):
    luajit = shutil.which("luajit")
    assert luajit, "luajit is missing: run scripts/ensure-lua.sh (apt-get install luajit lua-cjson)"
    env = dict(os.environ, LUA_PATH=os.path.join(LUA_DIR, "?.lua") + ";;")
    result = subprocess.run([luajit, path], capture_output=True, text=True, env=env, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout, result.stdout


def test_the_nginx_glue_compiles():
    """ollama_gw/nginx.lua needs nginx to run; LuaJIT still checks its syntax."""
    luajit = shutil.which("luajit")
    assert luajit, "luajit is missing: run scripts/ensure-lua.sh (apt-get install luajit lua-cjson)"
    for path in glob.glob(os.path.join(LUA_DIR, "ollama_gw", "*.lua")):
        result = subprocess.run([luajit, "-bl", path, "/dev/null"], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
