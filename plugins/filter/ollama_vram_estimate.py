# -*- coding: utf-8 -*-
# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_vram_estimate
short_description: Estimate the GPU memory an Ollama model needs
version_added: 0.1.0
author: localllm.ollama contributors (@localllm)
description:
  - "Adds up three parts and returns them in bytes and GiB (1 GiB = 1024^3 bytes):"
  - "B(Weights) = parameters x bits per weight / 8, or O(weights_bytes) when you know the size of the model file."
  - "B(K/V cache) = 2 (K and V) x O(n_layers) x O(n_kv_heads) x O(head_dim) x O(context_length) x O(num_parallel)
    x bytes per element. Ollama allocates the context of every parallel slot (C(num_ctx) x C(OLLAMA_NUM_PARALLEL)).
    Bytes per element are 2 for C(f16), 1 for C(q8_0) (half) and 0.5 for C(q4_0) (a quarter), the factors Ollama's
    own memory estimate uses (C(fs/ggml/ggml.go) C(kvCacheBytesPerElement)); real q8_0/q4_0 blocks are a few percent
    larger."
  - "When O(n_layers), O(n_kv_heads) and O(head_dim) are not given, the K/V cache is estimated with the shape of a
    Llama-3-style grouped-query-attention model of similar size and RV(kv_estimated) is true. Shapes by parameter
    count (layers x KV heads x head_dim, reference model): up to 2B 16x8x64 (llama3.2:1b); up to 4.5B 28x8x128
    (llama3.2:3b); up to 10B 32x8x128 (llama3.1:8b); up to 20B 48x8x128 (qwen2.5:14b); up to 40B 64x8x128
    (qwen2.5:32b); up to 100B 80x8x128 (llama3.1:70b); above 126x8x128 (llama3.1:405b). Models with full multi-head
    attention (Llama 2, older models) need several times more, mixture-of-experts models usually less: give the
    real numbers from C(ollama show --verbose) (C(<arch>.block_count), C(<arch>.attention.head_count_kv),
    C(<arch>.embedding_length) / C(<arch>.attention.head_count)) for those."
  - "B(Overhead) = O(overhead_fixed_mib) (default 512 MiB: the CUDA/ROCm context and the runner) + O(compute_fraction)
    (default 0.10) x (weights + K/V cache) for the compute graph buffers; or exactly O(overhead_bytes)."
  - "Bits per weight of O(quantization) (averages of whole GGUF files; the k-quant mixes keep some tensors in a larger
    type): F32 32, F16 16, BF16 16, Q8_0 8.5, Q6_K 6.5625, Q5_1 6.0, Q5_K_M 5.69, Q5_K_S 5.54, Q5_0 5.5, Q4_1 5.0,
    Q4_K_M 4.85, Q4_K_S 4.58, Q4_0 4.5, IQ4_NL 4.5, IQ4_XS 4.25, Q3_K_L 4.27, Q3_K_M 3.91, Q3_K_S 3.5, Q2_K 3.35."
  - "This is a planning estimate, not a measurement: compare it with C(ollama ps) (SIZE, PROCESSOR) on a real host.
    Bad input fails with a message that names the key to fix."
options:
  _input:
    description:
      - "A dict with the keys below, or just the parameter count. Keyword arguments are merged over the dict."
    type: raw
    required: true
  parameters:
    description:
      - "Parameter count: a number (C(8e9)) or a string with a unit, as Ollama's C(details.parameter_size) shows it
        (C(8b), C(70B), C(1.5b), C(494.03M))."
    type: raw
  quantization:
    description:
      - "GGUF quantization name (Ollama's C(details.quantization_level)), case-insensitive; see the bits table above."
    type: str
  bits:
    description:
      - "Bits per weight; wins over O(quantization) (for a format not in the table)."
    type: float
  weights_bytes:
    description:
      - "Size of the weights in bytes (for example the model's size from C(ollama list)); wins over
        parameters x bits. O(parameters) is then only needed for an estimated K/V cache."
    type: int
  context_length:
    description:
      - "Context length per slot (C(num_ctx) / C(OLLAMA_CONTEXT_LENGTH))."
    type: int
    default: 4096
  kv_cache_type:
    description:
      - "K/V cache type (C(OLLAMA_KV_CACHE_TYPE))."
    type: str
    choices: [f16, q8_0, q4_0]
    default: f16
  num_parallel:
    description:
      - "Parallel request slots (C(OLLAMA_NUM_PARALLEL)); each slot gets its own context."
    type: int
    default: 1
  n_layers:
    description:
      - "Transformer blocks (C(<arch>.block_count))."
    type: int
  n_kv_heads:
    description:
      - "K/V attention heads (C(<arch>.attention.head_count_kv))."
    type: int
  head_dim:
    description:
      - "Dimension of one attention head (C(<arch>.attention.key_length), usually embedding_length / head_count)."
    type: int
  n_heads:
    description:
      - "Attention heads (C(<arch>.attention.head_count)); with O(embedding_length) instead of O(head_dim)."
    type: int
  embedding_length:
    description:
      - "Embedding length (C(<arch>.embedding_length)); with O(n_heads) instead of O(head_dim)."
    type: int
  overhead_fixed_mib:
    description:
      - "Fixed runtime overhead in MiB (GPU context and runner)."
    type: float
    default: 512
  compute_fraction:
    description:
      - "Compute graph buffers as a fraction of weights + K/V cache (0 to 1)."
    type: float
    default: 0.10
  overhead_bytes:
    description:
      - "The whole overhead in bytes; replaces O(overhead_fixed_mib) and O(compute_fraction)."
    type: int
  vram_gib:
    description:
      - "VRAM available in GiB; adds RV(fits) and RV(headroom_gib) to the result."
    type: float
"""

EXAMPLES = r"""
# Llama 3.1 8B, Q4_K_M, 8k context, the real architecture: K/V = 2 x 32 x 8 x 128 x 8192 x 2 bytes = 1 GiB
llama_8b: >-
  {{ {'parameters': '8b', 'quantization': 'Q4_K_M', 'context_length': 8192,
      'n_layers': 32, 'n_kv_heads': 8, 'head_dim': 128} | localllm.ollama.ollama_vram_estimate }}
# => weights_bytes 4850000000, kv_cache_bytes 1073741824, total_gib 6.57

# The same with a q8_0 K/V cache (needs ollama_flash_attention: true), two parallel slots, checked against 8 GiB
fits_8g: >-
  {{ ({'parameters': '8b', 'quantization': 'Q4_K_M'}
      | localllm.ollama.ollama_vram_estimate(context_length=8192, kv_cache_type='q8_0', num_parallel=2,
                                             n_layers=32, n_kv_heads=8, head_dim=128, vram_gib=8)).fits }}

# From what localllm.ollama.ollama_info reports about an installed model (K/V cache estimated from the size)
estimate: >-
  {{ {'parameters': model.details.parameter_size, 'quantization': model.details.quantization_level,
      'weights_bytes': model.size} | localllm.ollama.ollama_vram_estimate(context_length=16384) }}
"""

RETURN = r"""
_value:
  description: The estimate and every input it used.
  type: dict
  contains:
    weights_bytes:
      description: Bytes of the weights.
      type: int
    kv_cache_bytes:
      description: Bytes of the K/V cache for all parallel slots.
      type: int
    overhead_bytes:
      description: Bytes of runtime overhead.
      type: int
    total_bytes:
      description: weights_bytes + kv_cache_bytes + overhead_bytes.
      type: int
    total_gib:
      description: total_bytes in GiB, rounded to 2 decimals (also weights_gib, kv_cache_gib, overhead_gib).
      type: float
    kv_estimated:
      description: True when the K/V cache shape came from the parameter count (see kv_reference).
      type: bool
    kv_reference:
      description: The reference model whose shape was used, or null.
      type: str
    fits:
      description: Only with vram_gib; whether total_bytes fits into it.
      type: bool
    headroom_gib:
      description: Only with vram_gib; vram_gib minus total_gib (negative when it does not fit).
      type: float
    parameters:
      description: >-
        The inputs used, normalised - also quantization, bits, context_length, kv_cache_type, num_parallel,
        n_layers, n_kv_heads, head_dim, overhead_fixed_mib, compute_fraction (and vram_gib when given).
      type: int
"""

from ansible_collections.localllm.ollama.plugins.plugin_utils import _ollama_vram as logic
from ansible_collections.localllm.ollama.plugins.plugin_utils._filters import as_filter

ollama_vram_estimate = as_filter("ollama_vram_estimate", logic.vram_estimate)


class FilterModule:
    """Estimate the GPU memory an Ollama model needs"""

    def filters(self):
        return {"ollama_vram_estimate": ollama_vram_estimate}
