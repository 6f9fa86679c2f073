# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark-only callback (not shipped: bench/ is in galaxy.yml build_ignore): a timeline of one playbook run.

Enabled by bench/fleet_bench.py with ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins and
ANSIBLE_CALLBACKS_ENABLED=fleet_profile; writes JSON to $FLEET_PROFILE_OUT:
  plays: [{name, start, end}]
  tasks: [{play, name, action, path, handler, delegate_to, run_once, start, end,
           hosts: {host: {start, end, status, changed, items}}}]
Times are seconds since the playbook started (time.monotonic()); t0_epoch is that start as time.time().
`status` is ok, changed, failed, skipped, unreachable or included (an include_* that ran; the recap counts those
neither as ok nor as changed).
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: fleet_profile
    type: aggregate
    short_description: timeline of a playbook run for bench/fleet_bench.py
    description: Writes the plays, tasks and per-host task results with their times to $FLEET_PROFILE_OUT.
    requirements:
      - enable in configuration
"""


def _attr(result, name):
    """CallbackTaskResult.host/.task/.result (ansible-core 2.19), _host/_task/_result before."""
    value = getattr(result, name, None)
    return value if value is not None else getattr(result, "_" + name)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fleet_profile"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._t0 = time.monotonic()
        self._t0_epoch = time.time()
        self._plays = []
        self._tasks = []
        self._by_uuid = {}

    def _now(self):
        return round(time.monotonic() - self._t0, 4)

    def _close_task(self):
        if self._tasks and self._tasks[-1]["end"] is None:
            self._tasks[-1]["end"] = self._now()

    def v2_playbook_on_play_start(self, play):
        self._close_task()
        if self._plays:
            self._plays[-1]["end"] = self._now()
        self._plays.append({"name": play.get_name().strip(), "start": self._now(), "end": None})

    def _task_start(self, task, handler=False):
        self._close_task()
        entry = {"play": self._plays[-1]["name"] if self._plays else "", "name": task.get_name().strip(),
                 "action": task.action, "path": task.get_path() or "", "handler": handler,
                 "delegate_to": task.delegate_to if isinstance(task.delegate_to, str) else None,
                 "run_once": bool(task.run_once) if isinstance(task.run_once, bool) else None,
                 "start": self._now(), "end": None, "hosts": {}}
        self._tasks.append(entry)
        self._by_uuid[task._uuid] = entry

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, handler=True)

    def v2_runner_on_start(self, host, task):
        entry = self._by_uuid.get(task._uuid)
        if entry is not None:
            entry["hosts"][host.get_name()] = {"start": self._now(), "end": None, "status": None,
                                               "changed": False, "items": 0}

    def _finish(self, result, status):
        task = _attr(result, "task")
        host = _attr(result, "host").get_name()
        entry = self._by_uuid.get(task._uuid)
        if entry is None:
            return
        record = entry["hosts"].setdefault(host, {"start": None, "end": None, "status": None, "changed": False,
                                                  "items": 0})
        data = _attr(result, "result")
        record["end"] = self._now()
        record["changed"] = bool(data.get("changed", False))
        if status == "ok" and task.action in ("include_tasks", "include_role", "ansible.builtin.include_tasks",
                                              "ansible.builtin.include_role"):
            status = "included"
        elif status == "ok" and record["changed"]:
            status = "changed"
        record["status"] = status
        if isinstance(data.get("results"), list):
            record["items"] = len(data["results"])

    def v2_runner_on_ok(self, result):
        self._finish(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._finish(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._finish(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._close_task()
        if self._plays:
            self._plays[-1]["end"] = self._now()
        out = os.environ.get("FLEET_PROFILE_OUT")
        if not out:
            return
        with open(out, "w") as handle:
            json.dump({"total": self._now(), "t0_epoch": self._t0_epoch, "plays": self._plays,
                       "tasks": self._tasks}, handle, indent=1)
