# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama.ollama role and its internal filters
# (plugins/filter/_ollama.py). It is not a public API and may change in any release.
"""The one read-only look at a Linux host that the ``localllm.ollama.ollama`` role's preflight takes.

``roles/ollama/files/host-state.sh`` prints one record per line, ``kind|fields``:

- ``path|<type>|<uid>|<gid>|<user>|<group>|<octal mode>|<sha1>|<resolved target of a link>`` or ``path|missing``:
  the lstat of each path argument, in argument order (``<type>`` as GNU stat's ``%F``; ``<sha1>`` of a regular
  file's content, else empty);
- ``service|<systemctl is-enabled>|<systemctl is-active>`` of the unit ``HS_SERVICE`` (when set);
- ``group|<getent group line>`` for each looked-up group that exists;
- ``user|<getent passwd line>`` and ``member|<id -nG>`` when the service user exists;
- ``foreign|`` (none) or ``foreign|x`` (at least one model file the service user does not own), only while the user
  and the group exist;
- ``staged|<directory>`` for each release directory holding the role's staging marker;
- ``installed|`` followed by the raw rest of the output: ``ollama -v``, the record separator and the install record
  (empty when the binary is absent).
"""

from __future__ import annotations

import re

from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError


def _lstat(fields):
    """The subset of ``ansible.builtin.stat`` (follow: false) that the role's checks read, from one ``path`` record."""
    if fields == ["missing"]:
        return {"exists": False}
    if len(fields) < 8:
        raise OllamaRoleError("host state: a path record has %d fields, expected 8: %r" % (len(fields), fields))
    kind, uid, gid, user, group, mode_text, checksum, target = fields[0], fields[1], fields[2], fields[3], fields[4], \
        fields[5], fields[6], "|".join(fields[7:])
    try:
        mode = int(mode_text, 8)
        uid, gid = int(uid), int(gid)
    except ValueError:
        raise OllamaRoleError("host state: cannot read the mode/uid/gid of a path record: %r" % (fields,))
    stat = {
        "exists": True,
        "isdir": kind == "directory",
        "islnk": kind == "symbolic link",
        "isreg": kind.startswith("regular"),
        "uid": uid,
        "gid": gid,
        "pw_name": "" if user == "UNKNOWN" else user,
        "gr_name": "" if group == "UNKNOWN" else group,
        "mode": "%04o" % mode,
        "xoth": bool(mode & 0o001),
        "woth": bool(mode & 0o002),
        "xgrp": bool(mode & 0o010),
        "wgrp": bool(mode & 0o020),
    }
    if stat["islnk"]:
        stat["lnk_source"] = target
    if stat["isreg"]:
        stat["checksum"] = checksum
    return stat


def signature(stat):
    """One comparable string for an lstat of :func:`host_state`: ``missing``, or
    ``<kind>:<owner>:<group>:<mode>:<extra>`` with ``<kind>`` ``file`` (``<extra>`` the SHA-1 of its content),
    ``directory``, ``link`` (``<extra>`` its resolved target) or ``other``.

    binary/configure.yml skips a template or file task when the signature preflight read equals the one the task would
    produce (e.g. ``'file:root:root:0644:' ~ (lookup('ansible.builtin.template', SRC) | hash('sha1'))``): it would
    change nothing, and a converged re-run saves its module runs (stat, then file).
    """
    if not (stat or {}).get("exists"):
        return "missing"
    if stat.get("isreg"):
        kind, extra = "file", stat.get("checksum") or ""
    elif stat.get("isdir"):
        kind, extra = "directory", ""
    elif stat.get("islnk"):
        kind, extra = "link", stat.get("lnk_source") or ""
    else:
        kind, extra = "other", ""
    return ":".join((kind, stat.get("pw_name") or "", stat.get("gr_name") or "", stat.get("mode") or "", extra))


def host_state(stdout, paths):
    """Parse the output of ``host-state.sh`` run with ``paths`` as its arguments.

    Returns ``{'paths': [{'item': path, 'stat': {...}}], 'sigs': {path: signature}, 'groups': {name: {'gid': int,
    'members': [...]}}, 'user': None | {'uid', 'gid', 'comment', 'home', 'shell', 'groups'}, 'foreign_models':
    None | bool, 'staged': [directories], 'service': {'enabled': str, 'active': str}, 'installed': raw text}``
    (``sigs``: :func:`signature` of every path; ``service`` empty strings when not asked). ``paths`` has the shape of ``ansible.builtin.stat`` loop results,
    so the checks that read it do not care which of the two produced it. ``foreign_models`` is None when it could not
    be answered (the service user or group does not exist yet).
    """
    text = stdout or ""
    # the command module strips the final newline: "installed|" may end the output
    match = re.search(r"(?m)^installed\|(?:\n|\Z)", text)
    if not match:
        raise OllamaRoleError("host state: the output has no 'installed|' record (the read stopped early): %r"
                              % text[-300:])
    head, installed = text[:match.start()], text[match.end():]
    stats, groups, staged = [], {}, []
    user, member, foreign = None, None, None
    service = {"enabled": "", "active": ""}
    for line in head.splitlines():
        kind, _sep, rest = line.partition("|")
        fields = rest.split("|")
        if kind == "path":
            stats.append(_lstat(fields))
        elif kind == "group":
            entry = rest.split(":")
            if len(entry) >= 4:
                groups[entry[0]] = {"gid": int(entry[2]) if entry[2].isdigit() else None,
                                    "members": [name for name in entry[3].split(",") if name]}
        elif kind == "user":
            entry = rest.split(":")
            if len(entry) >= 7:
                user = {"name": entry[0], "uid": int(entry[2]) if entry[2].isdigit() else None,
                        "gid": int(entry[3]) if entry[3].isdigit() else None, "comment": entry[4],
                        "home": entry[5], "shell": entry[6]}
        elif kind == "member":
            member = rest.split()
        elif kind == "foreign":
            foreign = rest != ""
        elif kind == "staged":
            staged.append(rest)
        elif kind == "service":
            enabled, _sep, active = rest.partition("|")
            service = {"enabled": enabled.strip(), "active": active.strip()}
        elif line.strip():
            raise OllamaRoleError("host state: unknown record %r" % line)
    paths = list(paths or [])
    if len(stats) != len(paths):
        raise OllamaRoleError("host state: %d paths were looked at but %d path records came back (a path with a "
                              "newline?): %r" % (len(paths), len(stats), paths))
    if user is not None:
        user["groups"] = member or []
    return {
        "paths": [{"item": path, "stat": stat} for path, stat in zip(paths, stats)],
        "sigs": dict((path, signature(stat)) for path, stat in zip(paths, stats)),
        "service": service,
        "groups": groups,
        "user": user,
        "foreign_models": foreign,
        "staged": staged,
        "installed": installed,
    }


def account_in_place(state, user, group, home, shell, comment, extra_groups):
    """Whether ``ansible.builtin.group`` + ``ansible.builtin.user`` (as binary/install.yml calls them: system account,
    primary group, appended supplementary groups, home created, shell, comment) would change nothing on this host.

    True only when every attribute those tasks set already matches; anything unknown means the tasks run.
    """
    state = state or {}
    groups = state.get("groups") or {}
    account = state.get("user")
    if group not in groups or not account or account.get("name") != user:
        return False
    home_stat = {}
    for result in state.get("paths") or []:
        if result.get("item") == home:
            home_stat = result.get("stat") or {}
    return (
        account.get("gid") is not None and account.get("gid") == groups[group].get("gid")
        and account.get("home") == home and account.get("shell") == shell and account.get("comment") == comment
        and all(name in (account.get("groups") or []) for name in (extra_groups or []))
        and bool(home_stat.get("exists"))
    )
