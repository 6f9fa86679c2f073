# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""defaults/main.yml, meta/argument_specs.yml and the README table of the ollama role agree."""

from __future__ import annotations

import importlib.util
import os

import pytest
import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROLE = os.path.join(REPO, "roles", "ollama")


def _script():
    spec = importlib.util.spec_from_file_location("argspec_table", os.path.join(REPO, "scripts", "argspec-table.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(*parts):
    with open(os.path.join(ROLE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_defaults_match_argument_specs():
    assert _script().defaults_problems(ROLE) == []


def test_every_option_is_typed_and_described():
    options = _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    for name, option in options.items():
        assert name.startswith("ollama_"), name
        assert option.get("type"), name
        assert option.get("description"), name
        if option["type"] == "list":
            assert option.get("elements"), name


def test_readme_table_is_current():
    assert _script().main(["--check", ROLE]) == 0


def test_check_detects_a_stale_table(tmp_path):
    role = tmp_path / "role"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump({"argument_specs": {"main": {"options": {
        "x_port": {"type": "int", "default": 1, "description": "The port."}}}}}))
    (role / "defaults" / "main.yml").write_text("x_port: 1\n")
    (role / "README.md").write_text("# x\n<!-- BEGIN ARGSPEC -->\nold\n<!-- END ARGSPEC -->\ntail\n")
    script = _script()
    assert script.main(["--check", str(role)]) == 1
    assert script.main([str(role)]) == 0
    assert script.main(["--check", str(role)]) == 0
    text = (role / "README.md").read_text()
    assert "| `x_port` | int | `1` | The port. |" in text and text.endswith("tail\n")


@pytest.mark.parametrize("defaults, fragment", [
    ("x_port: 2\n", "default of x_port differs"),
    ("x_port: 1\nx_extra: 3\n", "x_extra is not in argument_specs"),
    ("{}\n", "has no default"),
])
def test_defaults_problems_found(tmp_path, defaults, fragment):
    role = tmp_path / "role"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump({"argument_specs": {"main": {"options": {
        "x_port": {"type": "int", "default": 1, "description": "The port."}}}}}))
    (role / "defaults" / "main.yml").write_text(defaults)
    problems = _script().defaults_problems(str(role))
    assert len(problems) == 1 and fragment in problems[0]
