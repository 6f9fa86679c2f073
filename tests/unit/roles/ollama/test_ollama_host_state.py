# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Ollama role's one read-only look at a host: roles/ollama/files/host-state.sh run for real on this machine
(temporary directories, this machine's accounts, a fake `ollama` binary), parsed by the _ollama_host_state filter
(plugins/plugin_utils/_ollama_host_state.py), and the account check that lets a converged host skip the group and
user tasks."""

from __future__ import annotations

import grp
import json
import os
import pwd
import subprocess

import pytest

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_host_state as host_state
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "ollama", "files", "host-state.sh")
SEPARATOR = "--- localllm-ollama install record ---"
MARKER = ".localllm-ollama-staged"


def _me():
    entry = pwd.getpwuid(os.getuid())
    return entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name


def _run(tmp_path, paths, user=None, group=None, groups=None, binary=None, record=None):
    me, my_group = _me()
    env = dict(os.environ)
    env.update({
        "HS_USER": user or me, "HS_GROUP": group or my_group, "HS_GROUPS": groups if groups is not None else my_group,
        "HS_MODELS": str(tmp_path / "home" / ".ollama" / "models"), "HS_STAGING": str(tmp_path / "staging"),
        "HS_MARKER": MARKER, "HS_BINARY": binary or str(tmp_path / "bin" / "ollama"),
        "HS_RECORD": record or str(tmp_path / "record.json"), "HS_SEPARATOR": SEPARATOR, "HS_HOME": str(tmp_path),
    })
    with open(SCRIPT, encoding="utf-8") as handle:
        script = handle.read()
    result = subprocess.run(["sh", "-c", script, "host-state"] + [str(p) for p in paths], env=env,
                            capture_output=True, text=True, check=True)
    return host_state.host_state(result.stdout, [str(p) for p in paths])


def test_paths_in_argument_order_with_the_stat_fields_the_checks_read(tmp_path):
    (tmp_path / "dir").mkdir(mode=0o750)
    os.chmod(tmp_path / "dir", 0o750)
    (tmp_path / "file").write_text("x")
    os.symlink(str(tmp_path / "dir"), str(tmp_path / "link"))
    state = _run(tmp_path, [tmp_path / "missing", tmp_path / "dir", tmp_path / "file", tmp_path / "link"])
    by_path = {r["item"]: r["stat"] for r in state["paths"]}
    assert [r["item"] for r in state["paths"]] == [str(tmp_path / n) for n in ("missing", "dir", "file", "link")]
    assert by_path[str(tmp_path / "missing")] == {"exists": False}
    directory = by_path[str(tmp_path / "dir")]
    me, my_group = _me()
    assert directory["exists"] and directory["isdir"] and not directory["islnk"]
    assert (directory["mode"], directory["pw_name"], directory["gr_name"]) == ("0750", me, my_group)
    assert (directory["uid"], directory["gid"]) == (os.getuid(), pwd.getpwuid(os.getuid()).pw_gid)
    assert directory["xgrp"] and not directory["xoth"] and not directory["woth"]
    assert by_path[str(tmp_path / "file")]["isreg"] and not by_path[str(tmp_path / "file")]["isdir"]
    link = by_path[str(tmp_path / "link")]
    # a link is looked at, not followed; its resolved target is reported as ansible.builtin.stat's lnk_source
    assert link["islnk"] and not link["isdir"] and link["lnk_source"] == str(tmp_path / "dir")


def test_signatures_carry_owner_mode_and_content_so_a_changed_file_never_matches(tmp_path):
    import hashlib
    (tmp_path / "unit").write_text("[Unit]\n")
    os.chmod(tmp_path / "unit", 0o644)
    (tmp_path / "dir").mkdir()
    os.chmod(tmp_path / "dir", 0o755)
    os.symlink(str(tmp_path / "dir"), str(tmp_path / "link"))
    paths = [tmp_path / "unit", tmp_path / "dir", tmp_path / "link", tmp_path / "missing"]
    me, my_group = _me()
    sigs = _run(tmp_path, paths)["sigs"]
    want = "file:%s:%s:0644:%s" % (me, my_group, hashlib.sha1(b"[Unit]\n").hexdigest())
    assert sigs[str(tmp_path / "unit")] == want
    assert sigs[str(tmp_path / "dir")] == "directory:%s:%s:0755:" % (me, my_group)
    assert sigs[str(tmp_path / "link")] == "link:%s:%s:0777:%s" % (me, my_group, tmp_path / "dir")
    assert sigs[str(tmp_path / "missing")] == "missing"
    # one byte more, or another mode: the template task runs again
    (tmp_path / "unit").write_text("[Unit]\n#\n")
    assert _run(tmp_path, paths)["sigs"][str(tmp_path / "unit")] != want
    (tmp_path / "unit").write_text("[Unit]\n")
    os.chmod(tmp_path / "unit", 0o664)
    assert _run(tmp_path, paths)["sigs"][str(tmp_path / "unit")] != want


def test_service_state_only_when_asked(tmp_path):
    assert _run(tmp_path, [])["service"] == {"enabled": "", "active": ""}
    state = host_state.host_state("service|enabled|active\ninstalled|", [])
    assert state["service"] == {"enabled": "enabled", "active": "active"}


def test_groups_user_and_membership(tmp_path):
    me, my_group = _me()
    state = _run(tmp_path, [], groups="%s localllm-no-such-group" % my_group)
    assert list(state["groups"]) == [my_group]
    assert state["user"]["name"] == me and state["user"]["home"] == pwd.getpwnam(me).pw_dir
    assert my_group in state["user"]["groups"]
    absent = _run(tmp_path, [], user="localllm-no-such-user")
    assert absent["user"] is None
    # without the account, the kept-models probe cannot be answered: install.yml probes after creating it
    assert absent["foreign_models"] is None


def test_foreign_model_files(tmp_path):
    models = tmp_path / "home" / ".ollama" / "models"
    assert _run(tmp_path, [])["foreign_models"] is False            # no models directory: nothing to re-own
    models.mkdir(parents=True)
    (models / "blob").write_text("x")
    assert _run(tmp_path, [])["foreign_models"] is False            # everything is the service user's
    if os.getuid() == 0:
        os.chown(str(models / "blob"), 4242, 4242)
        assert _run(tmp_path, [])["foreign_models"] is True


def test_staged_releases_only_with_the_marker(tmp_path):
    staging = tmp_path / "staging"
    (staging / "0.32.15").mkdir(parents=True)
    (staging / "0.32.15" / MARKER).write_text("")
    (staging / "someone-elses").mkdir()
    (staging / MARKER).write_text("")                               # the staging directory itself is never removed
    assert _run(tmp_path, [])["staged"] == [str(staging / "0.32.15")]
    assert _run(tmp_path / "nowhere", [])["staged"] == []


def test_installed_version_and_record(tmp_path):
    assert _run(tmp_path, [])["installed"] == ""                     # no binary: not installed
    binary = tmp_path / "bin" / "ollama"
    binary.parent.mkdir()
    # like the real client: the version on stdout, HOME required
    binary.write_text('#!/bin/sh\n[ -n "$HOME" ] || exit 3\necho "ollama version is 0.32.15"\n')
    binary.chmod(0o755)
    (tmp_path / "record.json").write_text(json.dumps({"bundles": ["cuda"]}) + "\n")
    installed = _run(tmp_path, [])["installed"]
    version, record = installed.split(SEPARATOR)
    assert version.strip() == "ollama version is 0.32.15"
    assert json.loads(record) == {"bundles": ["cuda"]}


def test_output_as_the_command_module_returns_it(tmp_path):
    # ansible.builtin.command strips the final newline, so "installed|" can be the last characters
    state = host_state.host_state("path|missing\ngroup|video:x:44:\ninstalled|", ["/a"])
    assert state["paths"] == [{"item": "/a", "stat": {"exists": False}}] and state["installed"] == ""
    assert list(state["groups"]) == ["video"]


def test_parse_errors_are_clear():
    with pytest.raises(OllamaRoleError, match="no 'installed|' record"):
        host_state.host_state("path|missing\n", ["/a"])
    with pytest.raises(OllamaRoleError, match="2 paths were looked at but 1 path records"):
        host_state.host_state("path|missing\ninstalled|\n", ["/a", "/b"])
    with pytest.raises(OllamaRoleError, match="unknown record"):
        host_state.host_state("bogus|1\ninstalled|\n", [])


STATE = {
    "groups": {"ollama": {"gid": 999, "members": []}, "video": {"gid": 44, "members": ["ollama"]}},
    "user": {"name": "ollama", "uid": 999, "gid": 999, "comment": "Ollama service", "home": "/usr/share/ollama",
             "shell": "/usr/sbin/nologin", "groups": ["ollama", "video"]},
    "paths": [{"item": "/usr/share/ollama", "stat": {"exists": True, "isdir": True}}],
}
ACCOUNT = ("ollama", "ollama", "/usr/share/ollama", "/usr/sbin/nologin", "Ollama service", ["video"])


def test_account_in_place_only_when_everything_matches():
    assert host_state.account_in_place(STATE, *ACCOUNT)


@pytest.mark.parametrize("change", [
    lambda s: s["groups"].pop("ollama"),                            # the group is missing
    lambda s: s.update(user=None),                                  # the user is missing
    lambda s: s["user"].update(gid=100),                            # another primary group
    lambda s: s["user"].update(home="/home/ollama"),
    lambda s: s["user"].update(shell="/bin/bash"),
    lambda s: s["user"].update(comment="someone"),
    lambda s: s["user"].update(groups=["ollama"]),                  # not yet in a GPU group
    lambda s: s.update(paths=[{"item": "/usr/share/ollama", "stat": {"exists": False}}]),   # home to create
    lambda s: s.update(paths=[]),                                   # home not looked at: unknown
])
def test_account_not_in_place(change):
    state = json.loads(json.dumps(STATE))
    change(state)
    assert not host_state.account_in_place(state, *ACCOUNT)
