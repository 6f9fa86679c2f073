# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: an implementation detail of the localllm.ollama.gateway role and its internal filters
# (plugins/filter/_gateway.py). It is not a public API and may change in any release.
"""The one read-only look at a gateway host that the ``localllm.ollama.gateway`` role's preflight takes.

``roles/gateway/files/host-state.sh`` prints one record per line, ``kind|fields``:

- ``resolve|<name>|<first IPv4 address, or empty>`` for each backend name;
- ``package|<name>|<dpkg status abbreviation>`` for each wanted package dpkg knows (``ii`` = installed);
- ``nginx|<systemctl is-enabled>|<systemctl is-active>``;
- ``file|<type>|<user>|<group>|<octal mode>|<sha1>|<link target>|<path>`` or ``file|missing||||||<path>`` for each
  file argument (lstat: a link is not followed; ``<sha1>`` of a regular file's content, ``<link target>`` of a link,
  else empty);
- ``htuser|<htpasswd file>|<user name>`` for each user of the listed htpasswd files (names only).
"""

from __future__ import annotations

from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError


def host_state(stdout):
    """Parse the output of ``host-state.sh``.

    Returns ``{'resolved': {name: address or ''}, 'packages': {name: status}, 'nginx': {'enabled': str,
    'active': str}, 'files': {path: None | {'type', 'owner', 'group', 'mode', 'checksum', 'target'}},
    'sigs': {path: signature}, 'htusers': {path: [names]}}``; ``sigs`` is :func:`file_signature` of every file.
    """
    state = {"resolved": {}, "packages": {}, "nginx": {"enabled": "", "active": ""}, "files": {}, "sigs": {},
             "htusers": {}}
    for line in (stdout or "").splitlines():
        if not line.strip():
            continue
        kind, _sep, rest = line.partition("|")
        if kind == "resolve":
            name, _sep, address = rest.partition("|")
            state["resolved"][name] = address.strip()
        elif kind == "package":
            name, _sep, status = rest.partition("|")
            state["packages"][name] = status.strip()
        elif kind == "nginx":
            enabled, _sep, active = rest.partition("|")
            state["nginx"] = {"enabled": enabled.strip(), "active": active.strip()}
        elif kind == "file":
            fields = rest.split("|", 6)
            if len(fields) != 7:
                raise OllamaRoleError("gateway host state: a file record has %d fields, expected 7: %r"
                                      % (len(fields), line))
            kind_, owner, group, mode, checksum, target, path = fields
            info = None if kind_ == "missing" else {
                "type": kind_, "owner": owner, "group": group, "mode": "%04o" % int(mode, 8),
                "checksum": checksum, "target": target}
            state["files"][path] = info
            state["sigs"][path] = file_signature(info)
        elif kind == "htuser":
            path, _sep, user = rest.partition("|")
            state["htusers"].setdefault(path, []).append(user)
        else:
            raise OllamaRoleError("gateway host state: unknown record %r" % line)
    return state


def file_signature(info):
    """One comparable string for a file record: ``missing``, or ``<kind>:<owner>:<group>:<mode>:<extra>`` with
    ``<kind>`` ``file`` (a regular file, ``<extra>`` the SHA-1 of its content), ``directory``, ``link`` (``<extra>``
    the link's target) or ``other``.

    The role's template, copy and file tasks are skipped when the signature preflight read equals the one they would
    produce (e.g. ``'file:root:root:0644:' ~ (lookup('ansible.builtin.template', SRC) | hash('sha1'))``): such a task
    would change nothing, and skipping it saves its two module runs (stat, then file) on a converged re-run.
    """
    if not info:
        return "missing"
    kind = info.get("type") or ""
    if kind.startswith("regular"):
        short, extra = "file", info.get("checksum") or ""
    elif kind == "directory":
        short, extra = "directory", ""
    elif kind == "symbolic link":
        short, extra = "link", info.get("target") or ""
    else:
        short, extra = "other", ""
    return ":".join((short, info.get("owner") or "", info.get("group") or "", info.get("mode") or "", extra))


def packages_installed(state, packages):
    """Whether every package of ``packages`` is installed (``ii``), so ``ansible.builtin.apt`` would change nothing."""
    known = (state or {}).get("packages") or {}
    return all(known.get(name, "").startswith("ii") for name in packages or [])


def files_not_in_place(paths, state, owner, group, mode):
    """The paths of ``paths`` that are not a regular file with this owner, group and octal mode (``'0640'``) in the
    host state: those a task still has to create or fix (an unknown path counts as not in place)."""
    files = (state or {}).get("files") or {}
    out = []
    for path in paths or []:
        info = files.get(path)
        if not (info and info["type"].startswith("regular")
                and (info["owner"], info["group"], info["mode"]) == (owner, group, mode)):
            out.append(path)
    return out
