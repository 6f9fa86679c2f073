# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench/mirror_bench.py: the server counts are checked, and the table states the registry bytes as multiples of the
model (the number the benchmark is about)."""

from __future__ import annotations

import argparse
import os
import sys

import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench"))
import mirror_bench  # noqa: E402  pylint: disable=wrong-import-position


def test_parse_sizes():
    assert mirror_bench.parse_sizes("1,2,4") == [1, 2, 4]
    assert mirror_bench.parse_sizes("3") == [3]
    for bad in ("", "0", "1,17", "-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            mirror_bench.parse_sizes(bad)


def test_table_reports_bytes_as_multiples_of_the_model():
    size = 16 * 1024 * 1024
    rows = [{"servers": 4, "direct_s": 8.51, "direct_registry_bytes": 4 * size, "mirror_s": 2.3, "seed_s": 2.2,
             "mirror_pull_s": 0.1, "mirror_registry_bytes": size, "mirror_blob_host_bytes": 4 * size}]
    lines = mirror_bench.table(rows, size).splitlines()
    assert lines[0].startswith("| servers | direct (s) |") and lines[1].count("---") == 7
    assert lines[2] == "| 4 | 8.51 | 67.1 MB (4.0× the model) | 2.30 | 2.20 | 16.8 MB (1.0×) | 67.1 MB |"


def test_model_size_is_bounded():
    with pytest.raises(SystemExit):
        mirror_bench.main(["--model-mb", "200"])
    with pytest.raises(SystemExit):
        mirror_bench.main(["--link-bps", "0"])
