# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway role's one read-only look at its host: roles/gateway/files/host-state.sh run for real on this machine
(temporary files, this machine's resolver and dpkg), parsed by _gateway_host_state
(plugins/plugin_utils/_gateway_host_state.py), and the helpers that let a converged gateway skip apt, the nginx unit
and the credential-file tasks."""

from __future__ import annotations

import os
import pwd
import grp
import subprocess

import pytest

from ansible_collections.localllm.ollama.plugins.plugin_utils import _gateway_host_state as host_state
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "gateway", "files", "host-state.sh")


def _run(files, names="", packages="", users_from=""):
    env = dict(os.environ, HS_NAMES=names, HS_PACKAGES=packages, HS_USERS_FROM=users_from)
    with open(SCRIPT, encoding="utf-8") as handle:
        script = handle.read()
    result = subprocess.run(["sh", "-c", script, "host-state"] + [str(f) for f in files], env=env,
                            capture_output=True, text=True, check=True)
    return host_state.host_state(result.stdout.rstrip("\n"))


def test_names_resolve_or_come_back_empty():
    state = _run([], names="localhost localllm-no-such-host.invalid")
    assert state["resolved"] == {"localhost": "127.0.0.1", "localllm-no-such-host.invalid": ""}


def test_installed_packages():
    state = _run([], packages="coreutils localllm-no-such-package")
    assert state["packages"]["coreutils"].startswith("ii")
    assert host_state.packages_installed(state, ["coreutils"])
    assert not host_state.packages_installed(state, ["coreutils", "localllm-no-such-package"])
    assert host_state.packages_installed(state, [])


def test_credential_files_and_their_user_names_never_the_hashes(tmp_path):
    users = tmp_path / "htpasswd"
    users.write_text("alice:$2y$05$hash\nbob:{SHA}x\n\nnot a user line\n")
    os.chmod(users, 0o640)
    state = _run([users, tmp_path / "missing"], users_from="%s %s" % (users, tmp_path / "missing"))
    assert state["htusers"] == {str(users): ["alice", "bob"]}
    assert "hash" not in repr(state)
    me = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    assert state["files"][str(tmp_path / "missing")] is None
    assert state["files"][str(users)]["mode"] == "0640"
    paths = [str(users), str(tmp_path / "missing")]
    assert host_state.files_not_in_place(paths, state, me, group, "0640") == [str(tmp_path / "missing")]
    assert host_state.files_not_in_place(paths, state, me, group, "0600") == paths
    assert host_state.files_not_in_place(paths, state, "nobody", group, "0640") == paths


def test_signatures_of_files_directories_links_and_missing_paths(tmp_path):
    import hashlib
    conf = tmp_path / "vhost.conf"
    conf.write_text("server {}\n")
    os.chmod(conf, 0o644)
    (tmp_path / "dir").mkdir()
    os.chmod(tmp_path / "dir", 0o750)
    os.symlink(str(conf), str(tmp_path / "enabled"))
    empty = tmp_path / "empty"
    empty.write_text("")
    os.chmod(empty, 0o640)
    paths = [conf, tmp_path / "dir", tmp_path / "enabled", tmp_path / "missing", empty]
    me = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    sigs = _run(paths)["sigs"]
    want = "file:%s:%s:0644:%s" % (me, group, hashlib.sha1(b"server {}\n").hexdigest())
    assert sigs[str(conf)] == want
    assert sigs[str(tmp_path / "dir")] == "directory:%s:%s:0750:" % (me, group)
    # the link's own target (what ansible.builtin.file state=link compares), not followed
    assert sigs[str(tmp_path / "enabled")] == "link:%s:%s:0777:%s" % (me, group, conf)
    assert sigs[str(tmp_path / "missing")] == "missing"
    # GNU stat calls an empty file "regular empty file": still a file, with the SHA-1 of no bytes
    assert sigs[str(empty)] == "file:%s:%s:0640:%s" % (me, group, hashlib.sha1(b"").hexdigest())
    conf.write_text("server { }\n")
    assert _run(paths)["sigs"][str(conf)] != want
    assert host_state.file_signature(None) == "missing"


def test_nginx_unit_state_is_reported():
    state = _run([])
    assert set(state["nginx"]) == {"enabled", "active"}


def test_unknown_records_are_refused():
    with pytest.raises(OllamaRoleError, match="unknown record"):
        host_state.host_state("bogus|x")
    with pytest.raises(OllamaRoleError, match="expected 7"):
        host_state.host_state("file|regular file|root")
