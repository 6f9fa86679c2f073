# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate a role README's variable table from its meta/argument_specs.yml.

  python scripts/argspec-table.py roles/ollama            rewrite the table between the markers in roles/ollama/README.md
  scripts/argspec-table.py --check roles/*         exit 1 when a README's table is stale (or markers are missing)
  scripts/argspec-table.py --print roles/ollama    print the table only

The table sits between the lines `<!-- BEGIN ARGSPEC -->` and `<!-- END ARGSPEC -->`. It also checks that every key
of defaults/main.yml is declared in argument_specs with the same default, and the other way round.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

import yaml

BEGIN = "<!-- BEGIN ARGSPEC -->"
END = "<!-- END ARGSPEC -->"


def _code(value):
    if value is None:
        return "`null`"
    if isinstance(value, str):
        text = "`%s`" % value if value else "`\"\"`"
    else:
        text = "`%s`" % json.dumps(value)
    # a bare | would end the table cell, even inside a code span
    return text.replace("|", "\\|")


def _cell(text):
    text = " ".join(str(text).split())
    # Ansible doc markup -> markdown
    text = re.sub(r"[CMOV]\(([^)]*)\)", r"`\1`", text)
    text = re.sub(r"I\(([^)]*)\)", r"*\1*", text)
    return text.replace("|", "\\|")


def table(spec, entry_point="main"):
    options = spec["argument_specs"][entry_point].get("options", {})
    lines = [
        "| Variable | Type | Default | Description |",
        "|---|---|---|---|",
    ]
    for name in sorted(options):
        option = options[name]
        kind = option.get("type", "str")
        if option.get("elements"):
            kind = "%s of %s" % (kind, option["elements"])
        description = option.get("description", "")
        if isinstance(description, list):
            description = " ".join(description)
        if option.get("choices"):
            description += " Choices: %s." % ", ".join(_code(c) for c in option["choices"])
        if option.get("required"):
            default = "*required*"
        else:
            default = _code(option.get("default"))
        lines.append("| `%s` | %s | %s | %s |" % (name, kind, default, _cell(description)))
    return "\n".join(lines) + "\n"


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def defaults_problems(role):
    spec_path = os.path.join(role, "meta", "argument_specs.yml")
    defaults_path = os.path.join(role, "defaults", "main.yml")
    if not os.path.exists(defaults_path):
        return []
    defaults = _load(defaults_path)
    # options of every entry point (main, and e.g. a `verify` entry point used with tasks_from)
    options = {}
    for entry in _load(spec_path)["argument_specs"].values():
        options.update(entry.get("options") or {})
    problems = []
    for key in sorted(set(defaults) - set(options)):
        problems.append("%s: defaults/main.yml key %s is not in argument_specs" % (role, key))
    for key in sorted(set(options) - set(defaults)):
        if not options[key].get("required"):
            problems.append("%s: argument_specs option %s has no default in defaults/main.yml" % (role, key))
    for key in sorted(set(defaults) & set(options)):
        if defaults[key] != options[key].get("default"):
            problems.append("%s: default of %s differs: defaults/main.yml %r, argument_specs %r"
                            % (role, key, defaults[key], options[key].get("default")))
    return problems


def render_readme(text, generated):
    if BEGIN not in text or END not in text:
        raise ValueError("markers %s / %s not found" % (BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + generated + END + tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roles", nargs="+", help="role directories (roles/<name>)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail when a README table is stale")
    group.add_argument("--print", action="store_true", help="print the table(s) only")
    args = parser.parse_args(argv)

    failed = False
    for role in args.roles:
        spec_path = os.path.join(role, "meta", "argument_specs.yml")
        if not os.path.exists(spec_path):
            print("%s: no meta/argument_specs.yml, skipped" % role, file=sys.stderr)
            continue
        generated = table(_load(spec_path))
        if args.print:
            sys.stdout.write(generated)
            continue
        for problem in defaults_problems(role):
            print(problem, file=sys.stderr)
            failed = True
        readme = os.path.join(role, "README.md")
        try:
            with open(readme, encoding="utf-8") as handle:
                current = handle.read()
            wanted = render_readme(current, generated)
        except (OSError, ValueError) as exc:
            print("%s: %s" % (readme, exc), file=sys.stderr)
            failed = True
            continue
        if args.check:
            if wanted != current:
                print("%s: variable table is stale; run scripts/argspec-table.py %s" % (readme, role),
                      file=sys.stderr)
                failed = True
        elif wanted != current:
            with open(readme, "w", encoding="utf-8") as handle:
                handle.write(wanted)
            print("%s: table updated" % readme)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
