# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench/routing_bench.py: the seeded request sequence is the same for both policies and mixes the models; the
percentile is the nearest-rank one."""

from __future__ import annotations

import os
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench"))
import routing_bench  # noqa: E402  pylint: disable=wrong-import-position


def test_sequence_is_seeded_and_mixed():
    one = routing_bench.sequence(13, 4, 30, ["A", "B"])
    assert one == routing_bench.sequence(13, 4, 30, ["A", "B"])
    assert one != routing_bench.sequence(14, 4, 30, ["A", "B"])
    assert [len(c) for c in one] == [30] * 4
    flat = [m for c in one for m in c]
    assert 30 < flat.count("A") < 90 and all(c.count("A") and c.count("B") for c in one)


def test_percentile():
    values = list(range(1, 101))
    assert routing_bench.percentile(values, 0.5) == 50
    assert routing_bench.percentile(values, 0.95) == 95
    assert routing_bench.percentile([7], 0.95) == 7
    assert routing_bench.percentile([], 0.5) is None
