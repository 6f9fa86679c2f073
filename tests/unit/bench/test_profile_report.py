# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench/callback_plugins/fleet_profile.py and bench/profile_report.py: a real playbook run on localhost is
counted the way the README's "Measured" section states it (ran = ok + changed + failed; includes and skipped apart;
remote vs controller-only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench"))
import profile_report  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = """
- name: Profile me
  hosts: all
  gather_facts: false
  tasks:
    - name: A controller-only task
      ansible.builtin.set_fact:
        x: 1
    - name: A module on the host, changed
      ansible.builtin.command: "true"
    - name: A module on the host, not changed, in a loop
      ansible.builtin.command: "true"
      changed_when: false
      loop: [1, 2, 3]
    - name: Skipped
      ansible.builtin.command: "true"
      when: false
    - name: An include
      ansible.builtin.include_tasks: included.yml
    - name: Failed but ignored
      ansible.builtin.command: "false"
      ignore_errors: true
"""
INCLUDED = """
- name: Inside the include
  ansible.builtin.debug:
    msg: hello
"""


@pytest.fixture(name="timeline_path", scope="module")
def fixture_timeline_path(tmp_path_factory):
    work = tmp_path_factory.mktemp("profile")
    (work / "play.yml").write_text(PLAYBOOK)
    (work / "included.yml").write_text(INCLUDED)
    out = work / "run.json"
    env = dict(os.environ, ANSIBLE_CALLBACK_PLUGINS=os.path.join(REPO, "bench", "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="fleet_profile", FLEET_PROFILE_OUT=str(out))
    result = subprocess.run(["ansible-playbook", "-i", "h1,h2,", "-c", "local", "-e",
                             "ansible_python_interpreter=" + sys.executable, str(work / "play.yml")],
                            cwd=str(work), env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return str(out)


@pytest.fixture(name="timeline")
def fixture_timeline(timeline_path):
    return profile_report.load(timeline_path)


def test_per_host_counts(timeline):
    counts = profile_report.per_host(timeline)
    assert sorted(counts) == ["h1", "h2"]
    for host in ("h1", "h2"):
        c = counts[host]
        # set_fact, command, command loop, include's debug, failed command
        assert (c["ran"], c["remote"], c["controller"]) == (5, 3, 2)
        assert (c["changed"], c["failed"], c["skipped"], c["included"]) == (1, 1, 1, 1)


def test_loop_items_and_times(timeline):
    loop = next(t for t in timeline["tasks"] if t["name"].endswith("in a loop"))
    assert {r["items"] for r in loop["hosts"].values()} == {3}
    for task in timeline["tasks"]:
        assert task["start"] <= task["end"] <= timeline["total"]
        for record in task["hosts"].values():
            assert record["start"] <= record["end"]


def test_plays_and_report(timeline, timeline_path):
    rows = profile_report.play_rows(timeline)
    # 7 tasks started: the include's task is one more; the skipped one counts as started
    assert [(row[0], row[2]) for row in rows] == [("Profile me", 7)]
    text = profile_report.report(timeline_path, top=3)
    assert "| h1 | 5 | 3 | 2 | 1 | 1 | 1 |" in text


def test_docker_log_matching(timeline, tmp_path):
    task = next(t for t in timeline["tasks"] if t["name"] == "A module on the host, changed")
    record = task["hosts"]["h1"]
    when = timeline["t0_epoch"] + (record["start"] + record["end"]) / 2
    log = tmp_path / "docker.log"
    log.write_text("%f exec -i h1 /bin/sh -c true\n%f exec -i other /bin/sh\n%f version\n" % (when, when, when))
    by_host, by_task = profile_report.docker_calls(timeline, str(log))
    assert by_host == {"h1": {"exec": 1}}
    assert sum(by_task.values()) == 1
    assert timeline["tasks"].index(task) in by_task


def test_where():
    assert profile_report.where({"action": "ansible.builtin.assert"}) == "controller"
    assert profile_report.where({"action": "ansible.builtin.stat", "delegate_to": "localhost"}) == "controller"
    assert profile_report.where({"action": "ansible.builtin.stat", "delegate_to": None}) == "remote"
    json.dumps(profile_report.short_action("ansible.legacy.command"))
