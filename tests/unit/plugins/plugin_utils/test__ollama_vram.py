# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the VRAM estimate and the model tier choice (plugins/plugin_utils/_ollama_vram.py), through the
public filters ollama_vram_estimate and ollama_tier_select where users call them."""

from __future__ import annotations

import os
import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_vram as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError
from ansible_collections.localllm.ollama.plugins.filter import (
    ollama_tier_select,
    ollama_vram_estimate,
)


GIB = 1024 ** 3
MIB = 1024 ** 2
LLAMA31_8B = {"n_layers": 32, "n_kv_heads": 8, "head_dim": 128}


def estimate(**kwargs):
    return ollama_vram_estimate.ollama_vram_estimate(kwargs)


@pytest.mark.parametrize("module, name", [
    (ollama_vram_estimate, "ollama_vram_estimate"),
    (ollama_tier_select, "ollama_tier_select"),
])
def test_each_public_plugin_exports_its_documented_filter(module, name):
    filters = module.FilterModule().filters()
    assert list(filters) == [name]
    assert "name: %s" % name in module.DOCUMENTATION
    assert "localllm.ollama.%s" % name in module.EXAMPLES


# ----------------------------------------------------------------------------------------- worked examples
def test_llama31_8b_q4_k_m_8k_context_worked_example():
    result = estimate(parameters="8b", quantization="Q4_K_M", context_length=8192, **LLAMA31_8B)
    # weights: 8e9 parameters x 4.85 bits / 8
    assert result["weights_bytes"] == 4_850_000_000
    # K/V: 2 (K and V) x 32 layers x 8 KV heads x 128 head_dim x 8192 tokens x 2 bytes (f16) = exactly 1 GiB
    assert result["kv_cache_bytes"] == 2 * 32 * 8 * 128 * 8192 * 2 == GIB
    # overhead: 512 MiB + 10 % of (weights + K/V)
    assert result["overhead_bytes"] == 512 * MIB + round(0.10 * (4_850_000_000 + GIB)) == 1_129_245_094
    assert result["total_bytes"] == 4_850_000_000 + GIB + 1_129_245_094 == 7_052_986_918
    assert result["total_gib"] == 6.57
    assert (result["weights_gib"], result["kv_cache_gib"], result["overhead_gib"]) == (4.52, 1.0, 1.05)
    assert result["kv_estimated"] is False and result["kv_reference"] is None
    assert result["parameters"] == 8_000_000_000 and result["bits"] == 4.85 and result["quantization"] == "Q4_K_M"
    assert (result["context_length"], result["kv_cache_type"], result["num_parallel"]) == (8192, "f16", 1)
    assert (result["overhead_fixed_mib"], result["compute_fraction"]) == (512, 0.10)
    assert "fits" not in result


@pytest.mark.parametrize("kv_cache_type, kv_bytes", [
    ("f16", GIB),
    ("q8_0", GIB // 2),   # halved
    ("q4_0", GIB // 4),   # quartered
    ("Q8_0", GIB // 2),   # case-insensitive like Ollama
])
def test_kv_cache_type_scales_the_kv_cache(kv_cache_type, kv_bytes):
    result = estimate(parameters="8b", quantization="Q4_K_M", context_length=8192, kv_cache_type=kv_cache_type,
                      **LLAMA31_8B)
    assert result["kv_cache_bytes"] == kv_bytes
    assert result["kv_cache_type"] == kv_cache_type.lower()


def test_parallel_slots_multiply_the_context():
    # Ollama allocates num_ctx x OLLAMA_NUM_PARALLEL: 4 slots of 2048 cost what 1 slot of 8192 costs
    four = estimate(parameters="8b", quantization="Q4_K_M", context_length=2048, num_parallel=4, **LLAMA31_8B)
    one = estimate(parameters="8b", quantization="Q4_K_M", context_length=8192, **LLAMA31_8B)
    assert four["kv_cache_bytes"] == one["kv_cache_bytes"] == GIB
    assert four["num_parallel"] == 4


def test_default_context_is_4096():
    result = estimate(parameters="8b", quantization="Q4_K_M", **LLAMA31_8B)
    assert result["context_length"] == 4096 and result["kv_cache_bytes"] == GIB // 2


@pytest.mark.parametrize("quantization, bits", [
    ("Q4_K_M", 4.85), ("q4_k_m", 4.85), ("Q4_0", 4.5), ("Q5_K_M", 5.69), ("Q6_K", 6.5625), ("Q8_0", 8.5),
    ("F16", 16.0), ("fp16", 16.0), ("BF16", 16.0), ("F32", 32.0),
])
def test_quantization_bits(quantization, bits):
    result = estimate(parameters="1b", quantization=quantization)
    assert result["bits"] == bits
    assert result["weights_bytes"] == round(1e9 * bits / 8)


def test_f16_weights_are_two_bytes_per_parameter():
    assert estimate(parameters="8b", quantization="F16")["weights_bytes"] == 16_000_000_000


def test_tinyllama_q4_0_weights():
    # library/tinyllama of the stand-in registry: 1100048384 parameters, Q4_0 = 18 bytes per 32 weights
    assert estimate(parameters=1100048384, quantization="Q4_0")["weights_bytes"] == 1100048384 * 18 // 32


def test_explicit_bits_win_over_quantization():
    result = estimate(parameters="8b", quantization="Q4_K_M", bits=4)
    assert result["bits"] == 4.0 and result["weights_bytes"] == 4_000_000_000 and result["quantization"] == "Q4_K_M"


@pytest.mark.parametrize("value, count", [
    ("8b", 8_000_000_000), ("70B", 70_000_000_000), ("1.5b", 1_500_000_000), ("494.03M", 494_030_000),
    ("8.0B", 8_000_000_000), (" 7.6 B ", 7_600_000_000), ("137M", 137_000_000), ("1T", 10 ** 12),
    (8e9, 8_000_000_000), (8_030_261_248, 8_030_261_248), ("8e9", 8_000_000_000), ("8000000000", 8_000_000_000),
])
def test_parameter_counts(value, count):
    assert logic.parse_parameters(value) == count


def test_dict_input_and_keyword_arguments_merge():
    filt = ollama_vram_estimate.ollama_vram_estimate
    merged = filt({"parameters": "8b", "quantization": "Q8_0", "context_length": 1024}, context_length=8192,
                  **LLAMA31_8B)
    assert merged["context_length"] == 8192 and merged["kv_cache_bytes"] == GIB
    # a bare parameter count as the input
    assert filt("8b", quantization="Q4_K_M")["parameters"] == 8_000_000_000


def test_head_dim_from_embedding_length_and_heads():
    derived = estimate(parameters="8b", quantization="Q4_K_M", context_length=8192, n_layers=32, n_kv_heads=8,
                       n_heads=32, embedding_length=4096)
    assert derived["head_dim"] == 128 and derived["kv_cache_bytes"] == GIB and derived["kv_estimated"] is False


def test_weights_bytes_from_the_model_file():
    result = estimate(weights_bytes=4_920_753_328, context_length=8192, **LLAMA31_8B)
    assert result["weights_bytes"] == 4_920_753_328 and result["bits"] is None and result["kv_cache_bytes"] == GIB


def test_explicit_overhead_replaces_the_formula():
    result = estimate(parameters="8b", quantization="Q4_K_M", overhead_bytes=0, **LLAMA31_8B)
    assert result["overhead_bytes"] == 0
    assert result["total_bytes"] == result["weights_bytes"] + result["kv_cache_bytes"]
    assert result["overhead_fixed_mib"] is None and result["compute_fraction"] is None


def test_overhead_knobs():
    result = estimate(parameters="8b", quantization="Q4_K_M", overhead_fixed_mib=1024, compute_fraction=0,
                      **LLAMA31_8B)
    assert result["overhead_bytes"] == GIB


@pytest.mark.parametrize("vram_gib, fits, headroom", [(8, True, 1.43), (6.5, False, -0.07), ("24", True, 17.43)])
def test_fits_a_given_vram(vram_gib, fits, headroom):
    result = estimate(parameters="8b", quantization="Q4_K_M", context_length=8192, vram_gib=vram_gib, **LLAMA31_8B)
    assert result["fits"] is fits and result["headroom_gib"] == headroom


# ----------------------------------------------------------------------------------------- K/V heuristic
@pytest.mark.parametrize("parameters, shape, reference", [
    ("1b", (16, 8, 64), "llama3.2:1b"),
    ("2b", (16, 8, 64), "llama3.2:1b"),
    ("3b", (28, 8, 128), "llama3.2:3b"),
    ("8b", (32, 8, 128), "llama3.1:8b"),
    ("14b", (48, 8, 128), "qwen2.5:14b"),
    ("32b", (64, 8, 128), "qwen2.5:32b"),
    ("70b", (80, 8, 128), "llama3.1:70b"),
    ("405b", (126, 8, 128), "llama3.1:405b"),
])
def test_kv_shape_estimated_from_the_parameter_count(parameters, shape, reference):
    result = estimate(parameters=parameters, quantization="Q4_K_M", context_length=8192)
    assert result["kv_estimated"] is True and result["kv_reference"] == reference
    assert (result["n_layers"], result["n_kv_heads"], result["head_dim"]) == shape
    layers, kv_heads, head_dim = shape
    assert result["kv_cache_bytes"] == 2 * layers * kv_heads * head_dim * 8192 * 2


def test_estimated_70b_kv_cache_is_2_5_gib_at_8k():
    assert estimate(parameters="70b", quantization="Q4_K_M", context_length=8192)["kv_cache_bytes"] == GIB * 5 // 2


# ----------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, fragment", [
    ({"quantization": "Q4_K_M"}, "give the parameter count"),
    ({"parameters": "8b"}, "give the quantization"),
    ({"parameters": "8b", "quantization": "Q4_K_X"}, "unknown quantization 'Q4_K_X'"),
    ({"parameters": "8b", "quantization": ""}, "quantization must be a name"),
    ({"parameters": "eight", "quantization": "Q4_0"}, "is not a parameter count"),
    ({"parameters": "8", "quantization": "Q4_0"}, "write the unit, e.g. '8b'"),
    ({"parameters": 0, "quantization": "Q4_0"}, "positive parameter count"),
    ({"parameters": -8e9, "quantization": "Q4_0"}, "positive parameter count"),
    ({"parameters": True, "quantization": "Q4_0"}, "parameters must be a number"),
    ({"parameters": "8b", "bits": 0}, "bits must be greater than 0"),
    ({"parameters": "8b", "bits": 40}, "at most 32"),
    ({"parameters": "8b", "quantization": "Q4_0", "context_length": 0}, "context_length must be at least 1"),
    ({"parameters": "8b", "quantization": "Q4_0", "context_length": "8k"}, "context_length must be a number"),
    ({"parameters": "8b", "quantization": "Q4_0", "num_parallel": 1.5}, "num_parallel must be a whole number"),
    ({"parameters": "8b", "quantization": "Q4_0", "kv_cache_type": "q5_0"}, "kv_cache_type 'q5_0' must be one of"),
    ({"parameters": "8b", "quantization": "Q4_0", "n_layers": 32}, "only n_layers given"),
    ({"parameters": "8b", "quantization": "Q4_0", "n_layers": 32, "n_kv_heads": 8, "head_dim": 0},
     "head_dim must be at least 1"),
    ({"parameters": "8b", "quantization": "Q4_0", "n_heads": 32}, "give both"),
    ({"parameters": "8b", "quantization": "Q4_0", "n_layers": 32, "n_kv_heads": 8, "n_heads": 3,
      "embedding_length": 4096}, "not a multiple of n_heads"),
    ({"weights_bytes": 10 ** 9}, "without n_layers, n_kv_heads and head_dim"),
    ({"parameters": "8b", "quantization": "Q4_0", "compute_fraction": 2}, "compute_fraction is a fraction"),
    ({"parameters": "8b", "quantization": "Q4_0", "overhead_fixed_mib": -1}, "overhead_fixed_mib must be at least 0"),
    ({"parameters": "8b", "quantization": "Q4_0", "vram_gib": -1}, "vram_gib must be at least 0"),
    ({"parameters": "8b", "quantization": "Q4_0", "context": 8192}, "unknown keys context; known keys"),
])
def test_bad_input_says_what_to_fix(kwargs, fragment):
    with pytest.raises(AnsibleFilterError) as info:
        ollama_vram_estimate.ollama_vram_estimate(kwargs)
    assert fragment in str(info.value)
    assert str(info.value).startswith("ollama_vram_estimate: ")


@pytest.mark.parametrize("value", [["8b"], 3.5j])
def test_input_must_be_a_dict(value):
    with pytest.raises(AnsibleFilterError, match="the input must be a dict"):
        ollama_vram_estimate.ollama_vram_estimate(value)


def test_none_values_count_as_not_given():
    result = estimate(parameters="8b", quantization="Q4_K_M", context_length=None, n_layers=None)
    assert result["context_length"] == 4096 and result["kv_estimated"] is True


# ----------------------------------------------------------------------------------------- tier validation
TIERS = [
    {"min_vram_gib": 23, "name": "24g", "models": ["qwen2.5:32b", "nomic-embed-text"]},
    {"min_vram_gib": 0, "models": ["llama3.2:3b"]},
    {"min_vram_gib": 7.5, "name": "8g", "models": [{"name": "llama3.1:8b", "state": "latest"}]},
]


def test_valid_tiers_have_no_errors():
    assert logic.tiers_errors(TIERS, None, "max") == []
    assert logic.tiers_errors(TIERS, 24, "total") == []
    assert logic.tiers_errors([], "11.5") == []
    assert logic.tiers_errors([{"min_vram_gib": "8", "models": [{"name": "r.example:5000/a/b:1", "insecure": True}]}]) \
        == []


@pytest.mark.parametrize("tiers, fragment", [
    ({"min_vram_gib": 0, "models": ["a"]}, "ollama_model_tiers must be a list"),
    (["llama3.2"], "ollama_model_tiers[0] must be a dict"),
    ([{"models": ["a"]}], "ollama_model_tiers[0] has no min_vram_gib; use 0"),
    ([{"min_vram_gib": -1, "models": ["a"]}], "ollama_model_tiers[0].min_vram_gib must be a number of GiB >= 0"),
    ([{"min_vram_gib": True, "models": ["a"]}], "min_vram_gib must be a number"),
    ([{"min_vram_gib": "lots", "models": ["a"]}], "min_vram_gib must be a number"),
    ([{"min_vram_gib": 8, "models": ["a"]}, {"min_vram_gib": 8.0, "models": ["b"]}],
     "ollama_model_tiers[1].min_vram_gib 8.0 is also the threshold of ollama_model_tiers[0]"),
    ([{"min_vram_gib": 8, "models": []}], "ollama_model_tiers[0].models must be a non-empty list"),
    ([{"min_vram_gib": 8}], "ollama_model_tiers[0].models must be a non-empty list"),
    ([{"min_vram_gib": 8, "models": "llama3.2"}], "models must be a non-empty list"),
    ([{"min_vram_gib": 8, "name": "big", "models": ["bad name"]}],
     "ollama_model_tiers[0] (big).models[0]: 'bad name': model names cannot contain whitespace"),
    ([{"min_vram_gib": 8, "models": [{"name": "a", "state": "absent"}]}], "state 'absent' must be present or latest"),
    ([{"min_vram_gib": 8, "models": [{"name": "a", "insecure": "yes"}]}], "insecure must be true or false"),
    ([{"min_vram_gib": 8, "models": [{"name": "a", "pull": True}]}], "models[0] has unknown keys pull"),
    ([{"min_vram_gib": 8, "models": [{"state": "present"}]}], "models[0]: a model name is required"),
    ([{"min_vram_gib": 8, "models": [3]}], "models[0] must be a model name or a dict"),
    ([{"min_vram_gib": 8, "min_vram": 8, "models": ["a"]}], "has unknown keys min_vram"),
])
def test_tier_errors(tiers, fragment):
    errors = logic.tiers_errors(tiers)
    assert any(fragment in error for error in errors), errors


@pytest.mark.parametrize("vram_gib, vram_source, fragment", [
    (-1, "max", "ollama_model_tiers_vram_gib must be null"),
    ("big", "max", "ollama_model_tiers_vram_gib must be null"),
    (None, "sum", "ollama_model_tiers_vram_source must be 'max'"),
])
def test_tier_settings_errors(vram_gib, vram_source, fragment):
    errors = logic.tiers_errors([], vram_gib, vram_source)
    assert len(errors) == 1 and fragment in errors[0]


def test_every_tier_problem_is_reported():
    errors = logic.tiers_errors([{"min_vram_gib": -1, "models": []}, {"models": ["a b"]}])
    assert len(errors) == 4


# ----------------------------------------------------------------------------------------- tier choice
@pytest.mark.parametrize("vram_gib, index", [
    (0, 1), (7.49, 1), (7.5, 2), (12, 2), (22.99, 2), (23, 0), (23.99, 0), (80, 0), ("11.5", 2),
])
def test_the_highest_fitting_tier_wins_whatever_the_order(vram_gib, index):
    result = logic.tier_select(TIERS, vram_gib)
    assert result["tier"]["index"] == index
    assert result["tier"]["min_vram_gib"] == float(TIERS[index]["min_vram_gib"])
    assert result["models"] == TIERS[index]["models"]
    assert result["vram_gib"] == float(vram_gib)


def test_tier_models_are_added_after_ollama_models():
    result = logic.tier_select(TIERS, 12, ["nomic-embed-text", {"name": "phi3", "state": "absent"}])
    assert result["models"] == ["nomic-embed-text", {"name": "phi3", "state": "absent"},
                                {"name": "llama3.1:8b", "state": "latest"}]
    assert result["added"] == ["llama3.1:8b"] and result["already_listed"] == []
    assert result["message"] == "12 GiB VRAM -> tier 2 '8g' (min_vram_gib 7.5): adds llama3.1:8b"


@pytest.mark.parametrize("listed", [
    "qwen2.5:32b", "qwen2.5:32B", "registry.ollama.ai/library/qwen2.5:32b", "library/qwen2.5:32b",
    {"name": "qwen2.5:32b", "state": "absent"},
])
def test_a_model_listed_in_ollama_models_is_not_added_again(listed):
    result = logic.tier_select(TIERS, 24, [listed, "nomic-embed-text:latest"])
    assert result["models"] == [listed, "nomic-embed-text:latest"]
    assert result["added"] == [] and result["already_listed"] == ["qwen2.5:32b", "nomic-embed-text"]
    assert "adds nothing new; already in ollama_models: qwen2.5:32b, nomic-embed-text" in result["message"]


def test_duplicates_inside_a_tier_are_dropped():
    tiers = [{"min_vram_gib": 0, "models": ["llama3.2", "llama3.2:latest", {"name": "x/y:1", "insecure": True}]}]
    result = logic.tier_select(tiers, 0, [])
    assert result["models"] == ["llama3.2", {"name": "x/y:1", "insecure": True}]
    assert result["added"] == ["llama3.2", "x/y:1"] and result["already_listed"] == ["llama3.2:latest"]


def test_cpu_only_host_without_a_zero_tier_gets_no_tier_models():
    result = logic.tier_select(TIERS[:1], 0, ["nomic-embed-text"], source="detected")
    assert result["tier"] is None and result["added"] == []
    assert result["models"] == ["nomic-embed-text"]
    assert result["message"].startswith("0 GiB VRAM (detected): no tier of ollama_model_tiers fits "
                                        "(the lowest needs 23 GiB)")
    assert "min_vram_gib: 0" in result["message"]


def test_empty_tier_list_selects_nothing():
    result = logic.tier_select([], 8, ["a"])
    assert result["tier"] is None and result["models"] == ["a"] and "is empty" in result["message"]


def test_source_is_shown_in_the_message():
    result = logic.tier_select(TIERS, 23.99, [], source="detected: largest of 1 NVIDIA GPU(s): NVIDIA RTX 4090")
    assert result["message"].startswith(
        "23.99 GiB VRAM (detected: largest of 1 NVIDIA GPU(s): NVIDIA RTX 4090) -> tier 0 '24g' (min_vram_gib 23): "
        "adds qwen2.5:32b, nomic-embed-text")


def test_the_tiers_are_not_modified():
    tiers = [{"min_vram_gib": 0, "models": ["a"]}]
    models = ["b"]
    logic.tier_select(tiers, 1, models)
    assert tiers == [{"min_vram_gib": 0, "models": ["a"]}] and models == ["b"]


@pytest.mark.parametrize("tiers, vram_gib, fragment", [
    ([{"min_vram_gib": -1, "models": ["a"]}], 8, "ollama_model_tiers[0].min_vram_gib must be a number"),
    (TIERS, None, "the VRAM must be a number of GiB >= 0"),
    (TIERS, -2, "the VRAM must be a number of GiB >= 0"),
    (TIERS, "lots", "the VRAM must be a number of GiB >= 0"),
])
def test_select_refuses_bad_input(tiers, vram_gib, fragment):
    with pytest.raises(AnsibleFilterError) as info:
        ollama_tier_select.ollama_tier_select(tiers, vram_gib)
    assert str(info.value).startswith("ollama_tier_select: ") and fragment in str(info.value)
    with pytest.raises(OllamaRoleError):
        logic.tier_select(tiers, vram_gib)


# ----------------------------------------------------------------------------------------- README table
def test_readme_estimate_table_matches_the_filter():
    """roles/ollama/README.md 'Sizing the tiers' shows numbers produced by the filter; they must not drift."""
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "ollama", "README.md")
    with open(readme, encoding="utf-8") as handle:
        rows = re.findall(r"^\| `([^`]+)` \| ([0-9.]+B) \| (\d+) \| (.+) \|$", handle.read(), re.MULTILINE)
    assert len(rows) == 4
    for model, parameters, layers, cells in rows:
        numbers = [float(cell.strip(" *")) for cell in cells.split("|")]
        shape = dict(parameters=parameters.lower(), quantization="Q4_K_M", n_layers=int(layers), n_kv_heads=8,
                     head_dim=128)
        f16 = estimate(context_length=8192, **shape)
        q8 = estimate(context_length=8192, kv_cache_type="q8_0", **shape)
        q8_32k = estimate(context_length=32768, kv_cache_type="q8_0", **shape)
        assert numbers == [f16["weights_gib"], f16["kv_cache_gib"], f16["total_gib"], q8["kv_cache_gib"],
                           q8["total_gib"], q8_32k["total_gib"]], model
