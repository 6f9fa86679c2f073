# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the gateway role's real templates with ansible-playbook (role defaults + vars + the given overrides).

ansible.builtin.template semantics come for free this way (tests/unit/roles/role_render.py)."""

from __future__ import annotations

import json
import os
import re

from ansible_collections.localllm.ollama.tests.unit.roles.role_render import REPO, render_role_template
# GATEWAY_ROLE_DIR: render another copy of the role (e.g. `git archive HEAD roles/gateway` for a before/after check)
ROLE = os.environ.get("GATEWAY_ROLE_DIR") or os.path.join(REPO, "roles", "gateway")
_CACHE = {}

BASE = {
    "gateway_server_name": "gw.example.test",
    "gateway_api_keys": [{"id": "app", "key": "a" * 32}, {"id": "ops", "key": "o" * 32, "admin": True}],
}


def render(tmp_path, template="ollama-gateway.conf.j2", bootstrap=False, **overrides):
    """The rendered text of roles/gateway/templates/<template> (cached per set of inputs: one playbook run each)."""
    key = json.dumps([template, bootstrap, overrides], sort_keys=True)
    if key not in _CACHE:
        _CACHE[key] = _render(tmp_path, template, bootstrap, overrides)
    return _CACHE[key]


def _render(tmp_path, template, bootstrap, overrides):
    variables = dict(BASE, __gateway_bootstrap=bootstrap)
    variables.update(overrides)
    out = tmp_path / ("rendered-" + template.replace(".j2", ""))
    return render_role_template(tmp_path, ROLE, template, variables, out).read_text()


class NginxMap:
    """One `map SOURCE $var { ... }` block of a rendered config."""

    def __init__(self, text, variable):
        m = re.search(r"^map (\S+|\"[^\"]*\") \$%s \{\n(.*?)^\}" % re.escape(variable), text, re.M | re.S)
        assert m, "no map for $%s" % variable
        self.default = ""
        self.exact = {}
        self.regexes = []
        for line in m.group(2).splitlines():
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("include "):
                continue
            key, value = re.fullmatch(r'("(?:[^"\\]|\\.)*"|\S+)\s+(.*);', line).groups()
            key = key[1:-1] if key.startswith('"') else key
            value = value[1:-1] if value[:1] in "\"'" else value
            if key == "default":
                self.default = value
            elif key.startswith("~"):
                flags = re.I if key.startswith("~*") else 0
                pattern = key[2:] if key.startswith("~*") else key[1:]
                # PCRE named groups and back references -> Python's spelling
                pattern = pattern.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")
                pattern = re.sub(r"\\k<(\w+)>", r"(?P=\1)", pattern)
                self.regexes.append((re.compile(pattern, flags), value))
            else:
                self.exact[key] = value

    def __call__(self, source, variables=None):
        if source in self.exact:
            return self.exact[source]
        for regex, value in self.regexes:
            found = regex.search(source)
            if found:
                names = dict(variables or {})
                names.update({k: v or "" for k, v in found.groupdict().items()})
                return re.sub(r"\$(\w+)", lambda v: names.get(v.group(1), "$" + v.group(1)), value)
        return re.sub(r"\$(\w+)", lambda v: (variables or {}).get(v.group(1), "$" + v.group(1)), self.default)
