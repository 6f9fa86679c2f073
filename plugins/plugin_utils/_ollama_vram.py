# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module is an implementation detail of the localllm.ollama.ollama role, of the public filters
# localllm.ollama.ollama_vram_estimate and ollama_tier_select and of the internal filter _ollama_model_tiers_errors.
# It is not a public API.
#
# Pure functions only (no Ansible imports besides the shared error plumbing), so the logic is unit-testable.
"""VRAM estimates for Ollama models and the choice of a model tier by VRAM (``ollama_model_tiers``)."""

from __future__ import annotations

import math
import re

from ansible_collections.localllm.ollama.plugins.module_utils._grammar import model_key, model_name_error
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import OllamaRoleError

GIB = 1 << 30
MIB = 1 << 20

# Effective bits per weight of a whole GGUF file. The plain block formats are exact (Q4_0: 32 weights in 18 bytes =
# 4.5; Q8_0: 34 bytes = 8.5; Q6_K: 210 bytes per 256 = 6.5625). The k-quant mixes (_S/_M/_L) keep some tensors
# (attention V, feed-forward down, output) in a larger type, so their average is above the base block size; the
# values are the averages llama.cpp reports for typical Llama-style models, rounded (Q4_K_M: llama.cpp prints
# 4.85-4.89 BPW for Llama 3 8B). A real file differs by a few percent; pass `weights_bytes` when you know its size.
QUANT_BITS = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,
    "Q6_K": 6.5625,
    "Q5_1": 6.0,
    "Q5_K_M": 5.69,
    "Q5_K_S": 5.54,
    "Q5_0": 5.5,
    "Q4_1": 5.0,
    "Q4_K_M": 4.85,
    "Q4_K_S": 4.58,
    "Q4_0": 4.5,
    "IQ4_NL": 4.5,
    "IQ4_XS": 4.25,
    "Q3_K_L": 4.27,
    "Q3_K_M": 3.91,
    "Q3_K_S": 3.5,
    "Q2_K": 3.35,
}
QUANT_ALIASES = {"FP16": "F16", "FP32": "F32"}

# Bytes per K/V element, exactly as Ollama's own memory estimate counts them (fs/ggml/ggml.go
# kvCacheBytesPerElement): q8_0 halves and q4_0 quarters the f16 size. (A ggml q8_0/q4_0 block really takes 34/18
# bytes per 32 values, so the KV part can be about 6 % (q8_0) to 12 % (q4_0) larger than this.)
KV_BYTES_PER_ELEMENT = {"f16": 2.0, "q8_0": 1.0, "q4_0": 0.5}

# When n_layers / n_kv_heads / head_dim are not given, the K/V cache is estimated with the shape of a Llama-3-style
# grouped-query-attention model of similar size: (largest parameter count, n_layers, n_kv_heads, head_dim, reference).
KV_REFERENCE_SHAPES = (
    (2e9, 16, 8, 64, "llama3.2:1b"),
    (4.5e9, 28, 8, 128, "llama3.2:3b"),
    (10e9, 32, 8, 128, "llama3.1:8b"),
    (20e9, 48, 8, 128, "qwen2.5:14b"),
    (40e9, 64, 8, 128, "qwen2.5:32b"),
    (100e9, 80, 8, 128, "llama3.1:70b"),
    (math.inf, 126, 8, 128, "llama3.1:405b"),
)

DEFAULT_CONTEXT_LENGTH = 4096
# Runtime overhead: the CUDA/ROCm context and runner (fixed) plus the compute graph buffers, which grow with the
# model and the context (a fraction of weights + K/V cache).
DEFAULT_OVERHEAD_FIXED_MIB = 512
DEFAULT_COMPUTE_FRACTION = 0.10

ESTIMATE_KEYS = (
    "parameters", "quantization", "bits", "weights_bytes", "context_length", "kv_cache_type", "num_parallel",
    "n_layers", "n_kv_heads", "head_dim", "n_heads", "embedding_length", "overhead_fixed_mib", "compute_fraction",
    "overhead_bytes", "vram_gib",
)

_PARAMS_RE = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*([kmbt]?)$", re.IGNORECASE)
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}

NAME = "ollama_vram_estimate"


def _error(message):
    return OllamaRoleError("%s: %s" % (NAME, message))


def _number(key, value, minimum=None, integer=False, above=None):
    """A number from an int/float/numeric string; bool and anything else is refused with a message."""
    if isinstance(value, bool) or value is None:
        raise _error("%s must be a number, got %r" % (key, value))
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _error("%s must be a number, got %r" % (key, value)) from None
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise _error("%s must be a number, got %r" % (key, value))
    if integer:
        if value != int(value):
            raise _error("%s must be a whole number, got %r" % (key, value))
        value = int(value)
    if minimum is not None and value < minimum:
        raise _error("%s must be at least %s, got %r" % (key, minimum, value))
    if above is not None and value <= above:
        raise _error("%s must be greater than %s, got %r" % (key, above, value))
    return value


def parse_parameters(value):
    """Parameter count from ``8e9``, ``8000000000``, ``"8b"``, ``"70B"``, ``"1.5b"``, ``"494.03M"`` (Ollama's
    ``details.parameter_size`` form); raise OllamaRoleError otherwise."""
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        match = _PARAMS_RE.match(text)
        if match:
            count = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
        else:
            try:
                count = float(text)
            except ValueError:
                raise _error(
                    "parameters %r is not a parameter count; write it like 8b, 70B, 1.5b, 494M or 8e9" % value
                ) from None
    else:
        count = _number("parameters", value)
    if not count > 0 or math.isinf(count):
        raise _error("parameters must be a positive parameter count such as 8b, got %r" % (value,))
    if count < 1e6:
        raise _error(
            "parameters %r is %d weights, far too small for a language model; write the unit, e.g. '%sb'"
            % (value, count, value)
        )
    return int(round(count))


def quantization_bits(quantization):
    """(normalised name, bits per weight) for a GGUF quantization name such as Q4_K_M (case-insensitive)."""
    if not isinstance(quantization, str) or not quantization.strip():
        raise _error("quantization must be a name such as Q4_K_M, got %r" % (quantization,))
    name = quantization.strip().upper()
    name = QUANT_ALIASES.get(name, name)
    if name not in QUANT_BITS:
        raise _error(
            "unknown quantization %r; use one of %s, or give the bits per weight as 'bits'"
            % (quantization, ", ".join(sorted(QUANT_BITS)))
        )
    return name, QUANT_BITS[name]


def kv_reference_shape(parameters):
    """(n_layers, n_kv_heads, head_dim, reference model) used when the architecture numbers are unknown."""
    for limit, layers, kv_heads, head_dim, reference in KV_REFERENCE_SHAPES:
        if parameters <= limit:
            return layers, kv_heads, head_dim, reference
    raise AssertionError("unreachable: the last reference shape has no limit")  # pragma: no cover


def kv_cache_bytes(n_layers, n_kv_heads, head_dim, context_length, num_parallel=1, kv_cache_type="f16"):
    """2 (K and V) x layers x KV heads x head_dim x context x parallel slots x bytes per element."""
    elements = 2 * n_layers * n_kv_heads * head_dim * context_length * num_parallel
    return int(round(elements * KV_BYTES_PER_ELEMENT[kv_cache_type]))


def _gib(value):
    return round(value / GIB, 2)


def vram_estimate(model=None, **kwargs):
    """Estimate the VRAM an Ollama model needs: weights + K/V cache + runtime overhead (see the filter docs).

    ``model`` is a dict of the keys in ESTIMATE_KEYS, or just the parameter count; keyword arguments are merged
    over it. Returns a dict with the byte counts, total_gib and every input used.
    """
    if model is None:
        spec = {}
    elif isinstance(model, dict):
        spec = dict(model)
    elif isinstance(model, (str, int, float)) and not isinstance(model, bool):
        spec = {"parameters": model}
    else:
        raise _error("the input must be a dict describing the model (parameters, quantization, ...), got %r"
                     % (model,))
    spec.update(kwargs)
    unknown = sorted(set(spec) - set(ESTIMATE_KEYS))
    if unknown:
        raise _error("unknown keys %s; known keys: %s" % (", ".join(unknown), ", ".join(ESTIMATE_KEYS)))
    spec = {key: value for key, value in spec.items() if value is not None}

    parameters = parse_parameters(spec["parameters"]) if "parameters" in spec else None

    quantization = None
    if "bits" in spec:
        bits = float(_number("bits", spec["bits"], above=0))
        if bits > 32:
            raise _error("bits must be at most 32 (F32), got %r" % (spec["bits"],))
        if "quantization" in spec:
            quantization = quantization_bits(spec["quantization"])[0]
    elif "quantization" in spec:
        quantization, bits = quantization_bits(spec["quantization"])
    elif "weights_bytes" in spec:
        bits = None
    else:
        raise _error("give the quantization (e.g. Q4_K_M, Q8_0, F16) or the bits per weight ('bits')")

    if "weights_bytes" in spec:
        weights = _number("weights_bytes", spec["weights_bytes"], integer=True, minimum=1)
    elif parameters is None:
        raise _error("give the parameter count as 'parameters' (e.g. 8b), or the size of the weights as "
                     "'weights_bytes'")
    else:
        weights = int(round(parameters * bits / 8))

    context_length = _number("context_length", spec.get("context_length", DEFAULT_CONTEXT_LENGTH),
                             integer=True, minimum=1)
    num_parallel = _number("num_parallel", spec.get("num_parallel", 1), integer=True, minimum=1)
    kv_cache_type = str(spec.get("kv_cache_type", "f16")).strip().lower()
    if kv_cache_type not in KV_BYTES_PER_ELEMENT:
        raise _error("kv_cache_type %r must be one of %s (OLLAMA_KV_CACHE_TYPE)"
                     % (spec.get("kv_cache_type"), ", ".join(KV_BYTES_PER_ELEMENT)))

    head_dim = spec.get("head_dim")
    if head_dim is None and ("n_heads" in spec or "embedding_length" in spec):
        if not ("n_heads" in spec and "embedding_length" in spec):
            raise _error("head_dim is derived from embedding_length / n_heads; give both (or head_dim itself)")
        n_heads = _number("n_heads", spec["n_heads"], integer=True, minimum=1)
        embedding = _number("embedding_length", spec["embedding_length"], integer=True, minimum=1)
        if embedding % n_heads:
            raise _error("embedding_length %d is not a multiple of n_heads %d; give head_dim instead"
                         % (embedding, n_heads))
        head_dim = embedding // n_heads
    shape = {"n_layers": spec.get("n_layers"), "n_kv_heads": spec.get("n_kv_heads"), "head_dim": head_dim}
    given = sorted(key for key, value in shape.items() if value is not None)
    if given and len(given) < 3:
        raise _error("the K/V cache needs all of n_layers, n_kv_heads and head_dim (or n_heads + embedding_length); "
                     "only %s given - add the others or leave all of them out for an estimate" % ", ".join(given))
    if given:
        n_layers = _number("n_layers", shape["n_layers"], integer=True, minimum=1)
        n_kv_heads = _number("n_kv_heads", shape["n_kv_heads"], integer=True, minimum=1)
        head_dim = _number("head_dim", shape["head_dim"], integer=True, minimum=1)
        kv_estimated, kv_reference = False, None
    else:
        if parameters is None:
            raise _error("without n_layers, n_kv_heads and head_dim the K/V cache is estimated from the parameter "
                         "count; give 'parameters'")
        n_layers, n_kv_heads, head_dim, kv_reference = kv_reference_shape(parameters)
        kv_estimated = True
    kv_bytes = kv_cache_bytes(n_layers, n_kv_heads, head_dim, context_length, num_parallel, kv_cache_type)

    overhead_fixed_mib = _number("overhead_fixed_mib", spec.get("overhead_fixed_mib", DEFAULT_OVERHEAD_FIXED_MIB),
                                 minimum=0)
    compute_fraction = _number("compute_fraction", spec.get("compute_fraction", DEFAULT_COMPUTE_FRACTION), minimum=0)
    if compute_fraction > 1:
        raise _error("compute_fraction is a fraction of weights + K/V cache (default 0.10), got %r"
                     % (compute_fraction,))
    if "overhead_bytes" in spec:
        overhead = _number("overhead_bytes", spec["overhead_bytes"], integer=True, minimum=0)
    else:
        overhead = int(round(overhead_fixed_mib * MIB + compute_fraction * (weights + kv_bytes)))

    total = weights + kv_bytes + overhead
    result = {
        "weights_bytes": weights,
        "kv_cache_bytes": kv_bytes,
        "overhead_bytes": overhead,
        "total_bytes": total,
        "weights_gib": _gib(weights),
        "kv_cache_gib": _gib(kv_bytes),
        "overhead_gib": _gib(overhead),
        "total_gib": _gib(total),
        "parameters": parameters,
        "quantization": quantization,
        "bits": bits,
        "context_length": context_length,
        "kv_cache_type": kv_cache_type,
        "num_parallel": num_parallel,
        "n_layers": n_layers,
        "n_kv_heads": n_kv_heads,
        "head_dim": head_dim,
        "kv_estimated": kv_estimated,
        "kv_reference": kv_reference,
        "overhead_fixed_mib": overhead_fixed_mib if "overhead_bytes" not in spec else None,
        "compute_fraction": compute_fraction if "overhead_bytes" not in spec else None,
    }
    if "vram_gib" in spec:
        vram = _number("vram_gib", spec["vram_gib"], minimum=0)
        result["vram_gib"] = vram
        result["fits"] = total <= vram * GIB
        result["headroom_gib"] = round((vram * GIB - total) / GIB, 2)
    return result


# --------------------------------------------------------------------------------------------- model tiers

TIER_KEYS = ("min_vram_gib", "models", "name")
TIER_MODEL_KEYS = ("name", "state", "insecure")
TIER_MODEL_STATES = ("present", "latest")
VRAM_SOURCES = ("max", "total")


def _vram_value(value):
    """A VRAM figure in GiB (int, float or numeric string, at least 0) or None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value) or value < 0:
        return None
    return float(value)


def tiers_errors(tiers, vram_gib=None, vram_source="max"):
    """Messages for ollama_model_tiers / ollama_model_tiers_vram_gib / ollama_model_tiers_vram_source (empty: fine)."""
    errors = []
    if vram_gib is not None and _vram_value(vram_gib) is None:
        errors.append("ollama_model_tiers_vram_gib must be null (detect with localllm.ollama.gpu_info) or a number of "
                      "GiB >= 0, got %r" % (vram_gib,))
    if vram_source not in VRAM_SOURCES:
        errors.append("ollama_model_tiers_vram_source must be 'max' (the largest GPU) or 'total' (all GPUs "
                      "together), got %r" % (vram_source,))
    if tiers is None:
        return errors
    if not isinstance(tiers, (list, tuple)):
        return errors + ["ollama_model_tiers must be a list of {min_vram_gib: <GiB>, models: [...]}, got %s"
                         % type(tiers).__name__]
    seen = {}
    for index, tier in enumerate(tiers):
        label = "ollama_model_tiers[%d]" % index
        if not isinstance(tier, dict):
            errors.append("%s must be a dict with min_vram_gib and models, got %r" % (label, tier))
            continue
        if tier.get("name") is not None:
            label += " (%s)" % tier["name"]
        unknown = sorted(set(tier) - set(TIER_KEYS))
        if unknown:
            errors.append("%s has unknown keys %s; a tier has min_vram_gib, models and an optional name"
                          % (label, ", ".join(unknown)))
        if "min_vram_gib" not in tier:
            errors.append("%s has no min_vram_gib; use 0 for the tier of CPU-only hosts" % label)
        else:
            minimum = _vram_value(tier["min_vram_gib"])
            if minimum is None:
                errors.append("%s.min_vram_gib must be a number of GiB >= 0, got %r" % (label, tier["min_vram_gib"]))
            elif minimum in seen:
                errors.append("%s.min_vram_gib %s is also the threshold of ollama_model_tiers[%d]; thresholds must be "
                              "unique (merge the two tiers)" % (label, tier["min_vram_gib"], seen[minimum]))
            else:
                seen[minimum] = index
        models = tier.get("models")
        if not isinstance(models, (list, tuple)) or not models:
            errors.append("%s.models must be a non-empty list of model names (or {name, state, insecure} dicts), "
                          "got %r" % (label, models))
            continue
        for position, entry in enumerate(models):
            where = "%s.models[%d]" % (label, position)
            if isinstance(entry, str):
                entry = {"name": entry}
            if not isinstance(entry, dict):
                errors.append("%s must be a model name or a dict with 'name', got %r" % (where, entry))
                continue
            problem = model_name_error(entry.get("name"))
            if problem:
                errors.append("%s: %s" % (where, problem))
            state = entry.get("state", "present")
            if state not in TIER_MODEL_STATES:
                errors.append("%s.state %r must be present or latest (to remove a model, list it in ollama_models "
                              "with state absent)" % (where, state))
            if "insecure" in entry and not isinstance(entry["insecure"], bool):
                errors.append("%s.insecure must be true or false, got %r" % (where, entry["insecure"]))
            unknown = sorted(set(entry) - set(TIER_MODEL_KEYS))
            if unknown:
                errors.append("%s has unknown keys %s (allowed: name, state, insecure)" % (where, ", ".join(unknown)))
    return errors


def _entry_name(entry):
    return entry if isinstance(entry, str) else entry.get("name") if isinstance(entry, dict) else None


def _fmt_gib(value):
    return ("%.2f" % value).rstrip("0").rstrip(".")


def tier_select(tiers, vram_gib, models=None, source=None):
    """Choose the tier with the highest min_vram_gib <= vram_gib and merge its models into ``models``.

    Returns {vram_gib, tier: {index, name, min_vram_gib, models} or None, added: [names], already_listed: [names],
    models: ollama_models + the added entries (de-duplicated by Ollama's name matching), message}.
    """
    problems = tiers_errors(tiers)
    if problems:
        raise OllamaRoleError("ollama_tier_select: " + "; ".join(problems))
    vram = _vram_value(vram_gib)
    if vram is None:
        raise OllamaRoleError("ollama_tier_select: the VRAM must be a number of GiB >= 0, got %r" % (vram_gib,))
    models = list(models or [])
    candidates = [(_vram_value(tier["min_vram_gib"]), index) for index, tier in enumerate(tiers or [])]
    fitting = [pair for pair in candidates if pair[0] <= vram]
    where = "%s GiB VRAM%s" % (_fmt_gib(vram), " (%s)" % source if source else "")
    if not fitting:
        lowest = min(pair[0] for pair in candidates) if candidates else None
        message = (
            "%s: no tier of ollama_model_tiers fits (the lowest needs %s GiB), so no tier models are added; add a "
            "tier with min_vram_gib: 0 for hosts like this one" % (where, _fmt_gib(lowest))
            if candidates else "%s: ollama_model_tiers is empty, no tier models are added" % where
        )
        return {"vram_gib": vram, "tier": None, "added": [], "already_listed": [], "models": models,
                "message": message}

    minimum, index = max(fitting)
    tier = tiers[index]
    keys = {model_key(_entry_name(entry)) for entry in models if _entry_name(entry)}
    added, already = [], []
    merged = list(models)
    for entry in tier["models"]:
        name = _entry_name(entry)
        key = model_key(name)
        if key in keys:
            already.append(name)
            continue
        keys.add(key)
        added.append(name)
        merged.append(entry)
    label = "tier %d%s (min_vram_gib %s)" % (index, " '%s'" % tier["name"] if tier.get("name") else "",
                                             _fmt_gib(minimum))
    message = "%s -> %s: %s" % (
        where, label,
        ("adds " + ", ".join(added)) if added else "adds nothing new",
    )
    if already:
        message += "; already in ollama_models: %s" % ", ".join(already)
    return {
        "vram_gib": vram,
        "tier": {"index": index, "name": tier.get("name"), "min_vram_gib": minimum, "models": list(tier["models"])},
        "added": added,
        "already_listed": already,
        "models": merged,
        "message": message,
    }
