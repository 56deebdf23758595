"""A second, numpy-only (float64) forward pass of a bitnet-b1.58 GGUF, written from the documented
graph (reference README, "Architecture semantics"), used by the model tests to check

* itself, against the independent float64 reference logits of the shared tiny model, and
* the committed trit-kjv GGUF plus the PyTorch reference logits exported with it.

It deliberately shares no code with scripts/model/bitnet.py (only the GGUF reader).
"""

from __future__ import annotations

import numpy as np

ARCH = "bitnet-b1.58."


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


class Linear:
    """One BitLinear weight: dense float, plus (ternary, scale) when stored as I2_S."""

    def __init__(self, tensor, gguf):
        self.dense = tensor.to_float().astype(np.float64)           # [out][in]
        self.ternary = None
        if tensor.ggml_type == gguf.GGML_TYPE_I2_S:
            t, s = gguf.i2s_unpack(tensor.data, tensor.n_elements)
            self.ternary = t.reshape(tensor.numpy_shape).astype(np.float64)
            self.scale = float(s)

    def __call__(self, x: np.ndarray, act_int8: bool) -> np.ndarray:
        if not act_int8:
            return x @ self.dense.T
        if self.ternary is None:
            raise ValueError("int8 activation path needs I2_S weights")
        s = 127.0 / np.maximum(np.abs(x).max(axis=-1, keepdims=True), 1e-5)   # per token
        q = np.clip(np.round(x * s), -128, 127)                             # round half to even
        return (q @ self.ternary.T) * self.scale / s


def forward(reader, gguf, tokens: list[int], act_int8: bool) -> np.ndarray:
    """Logits [n_tokens][n_vocab] for one sequence starting at position 0."""
    kv, T = reader.kv, reader.tensors
    n_embd = int(kv[ARCH + "embedding_length"])
    n_head = int(kv[ARCH + "attention.head_count"])
    n_head_kv = int(kv[ARCH + "attention.head_count_kv"])
    hd = n_embd // n_head
    eps = float(kv[ARCH + "attention.layer_norm_rms_epsilon"])
    theta = float(kv.get(ARCH + "rope.freq_base", 10000.0))
    emb = T["token_embd.weight"].to_float().astype(np.float64)            # [n_vocab][n_embd]
    head = T["output.weight"].to_float().astype(np.float64) if "output.weight" in T else emb
    n = len(tokens)
    x = emb[np.asarray(tokens)]                                          # [n][n_embd]
    pos = np.arange(n, dtype=np.float64)[:, None]
    ang = pos * theta ** (-2.0 * np.arange(hd // 2) / hd)                # [n][hd/2]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v):                                                         # [heads][n][hd]
        a, b = v[..., : hd // 2], v[..., hd // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)

    mask = np.triu(np.full((n, n), -np.inf), 1)
    for L in range(int(kv[ARCH + "block_count"])):
        p = f"blk.{L}."
        w = lambda name: T[p + name + ".weight"].to_float().astype(np.float64)  # noqa: E731
        lin = lambda name: Linear(T[p + name + ".weight"], gguf)                 # noqa: E731
        h = _rms(x, w("attn_norm"), eps)
        q = lin("attn_q")(h, act_int8).reshape(n, n_head, hd).transpose(1, 0, 2)
        k = lin("attn_k")(h, act_int8).reshape(n, n_head_kv, hd).transpose(1, 0, 2)
        v = lin("attn_v")(h, act_int8).reshape(n, n_head_kv, hd).transpose(1, 0, 2)
        q, k = rope(q), rope(k)
        out = np.empty((n_head, n, hd))
        for j in range(n_head):
            g = j // (n_head // n_head_kv)
            a = q[j] @ k[g].T / np.sqrt(hd) + mask
            a = np.exp(a - a.max(axis=-1, keepdims=True))
            out[j] = (a / a.sum(axis=-1, keepdims=True)) @ v[g]
        att = out.transpose(1, 0, 2).reshape(n, n_head * hd)
        x = x + lin("attn_output")(_rms(att, w("attn_sub_norm"), eps), act_int8)
        h = _rms(x, w("ffn_norm"), eps)
        f = np.maximum(lin("ffn_gate")(h, act_int8), 0.0) ** 2 * lin("ffn_up")(h, act_int8)
        x = x + lin("ffn_down")(_rms(f, w("ffn_sub_norm"), eps), act_int8)
    return _rms(x, T["output_norm.weight"].to_float().astype(np.float64), eps) @ head.T
