"""BitNet b1.58 (2B4T architecture) in PyTorch, at small scale, for training and for the exact
quantised forward pass the Trit runtime runs.

Forward semantics follow the `bitnet-b1.58` graph as documented for the runtime
(reference README, "Architecture semantics"):
    rms(x, w) = x / sqrt(mean(x^2) + eps) * w
    per layer: h = rms(x, attn_norm); q,k,v = BitLinear(h); NEOX RoPE (pairs (i, i+hd/2),
    angle = pos * theta^(-2i/hd)); GQA (query head j uses kv head j // (n_head/n_head_kv));
    softmax(q k^T / sqrt(hd) + causal) v; a = rms(concat heads, attn_sub_norm); x += Wo(a);
    h = rms(x, ffn_norm); f = relu(Wgate(h))^2 * Wup(h); f = rms(f, ffn_sub_norm); x += Wdown(f)
    logits = rms(x, output_norm) E^T, E = token embedding (tied head, F16 in the GGUF).

BitLinear (BitNet b1.58):
    weights: per-tensor absmean scale gamma = mean|W| (clamped >= 1e-5),
             W_t = clamp(round(W / gamma), -1, 1), effective weight W_t * gamma
    activations: per-token absmax int8, s = 127 / max(max|x|, 1e-5), x_q = clamp(round(x s), -128, 127),
             effective activation x_q / s
    y = (x_q . W_t) * gamma / s       (the integer dot product is what the accelerator computes)
Training uses the straight-through estimator for both roundings (gradient of the identity).
torch.round rounds half to even; an exact .5 tie in x*s is a measure-zero event in float data.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

WEIGHT_SCALE_MIN = 1e-5
ACT_ABSMAX_MIN = 1e-5


@dataclass
class Config:
    n_vocab: int = 4096
    n_ctx: int = 256
    n_embd: int = 512
    n_layer: int = 4
    n_head: int = 8
    n_head_kv: int = 4
    n_ff: int = 1280
    rms_eps: float = 1e-5
    rope_theta: float = 10000.0

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def validate(self) -> None:
        if self.n_embd % self.n_head or self.n_head % self.n_head_kv:
            raise ValueError(f"bad head layout {self}")
        # Every BitLinear input and output dimension must fill TQ2_0 (256) and I2_S (128) blocks,
        # so the same model can be stored in either format and tiled without padding.
        for name, d in (("n_embd", self.n_embd), ("n_ff", self.n_ff),
                        ("q width", self.n_head * self.head_dim),
                        ("kv width", self.n_head_kv * self.head_dim)):
            if d % 256:
                raise ValueError(f"{name} = {d} is not a multiple of 256")

    def to_dict(self) -> dict:
        return asdict(self)


def weight_ternary(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(ternary values as float, per-tensor scale gamma) of a latent weight."""
    gamma = w.abs().mean().clamp(min=WEIGHT_SCALE_MIN)
    return (w / gamma).round().clamp(-1, 1), gamma


def act_int8(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(int8 values as float, per-token scale s): x ~= q / s."""
    s = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=ACT_ABSMAX_MIN)
    return (x * s).round().clamp(-128, 127), s


def ste(x: torch.Tensor, xq: torch.Tensor) -> torch.Tensor:
    """Value of xq, gradient of x."""
    return x + (xq - x).detach()


class BitLinearGroup(nn.Module):
    """Several BitLinear layers that read the same input (Q/K/V, or gate/up).

    Each keeps its own per-tensor weight scale; the input is quantised once (it is the same
    vector, so per-token quantisation gives the same int8 values for each of them) and the
    matmuls are fused into one for speed.
    """

    def __init__(self, n_in: int, n_outs: list[int]):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.empty(n, n_in)) for n in n_outs])
        self.n_outs = n_outs
        self.exact = False  # integer-domain forward (evaluation only)
        self.quantize = True  # False: plain float matmul with the latent weights (diagnostics only)
        # (ternary, scale) per weight as read from a GGUF; replaces quantising the latent weights
        self.stored: list[tuple[torch.Tensor, torch.Tensor]] | None = None

    def ternary(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return self.stored if self.stored is not None else [weight_ternary(w) for w in self.weights]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        q, s = act_int8(x)
        if self.exact:
            outs = []
            for t, gamma in self.ternary():
                acc = F.linear(q, t)  # integer-valued; exact in float32 (|acc| <= 127*K < 2^24)
                outs.append(acc * gamma / s)
            return outs
        if not self.quantize:
            return list(torch.split(F.linear(x, torch.cat(list(self.weights))), self.n_outs, dim=-1))
        xq = ste(x, q / s)
        wq = torch.cat([ste(w, t * g) for w in self.weights for t, g in [weight_ternary(w)]])
        return list(torch.split(F.linear(xq, wq), self.n_outs, dim=-1))


class RMSNorm(nn.Module):
    def __init__(self, n: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg: Config, n_pos: int) -> tuple[torch.Tensor, torch.Tensor]:
    hd = cfg.head_dim
    inv_freq = cfg.rope_theta ** (-torch.arange(0, hd // 2, dtype=torch.float64) * 2 / hd)
    ang = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv_freq[None, :]  # [pos][hd/2]
    return ang.cos().float(), ang.sin().float()


def rope_neox(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: [B][H][T][hd]; rotates pairs (i, i + hd/2)."""
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.attn_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.qkv = BitLinearGroup(cfg.n_embd, [cfg.n_head * hd, cfg.n_head_kv * hd, cfg.n_head_kv * hd])
        self.attn_sub_norm = RMSNorm(cfg.n_head * hd, cfg.rms_eps)
        self.wo = BitLinearGroup(cfg.n_head * hd, [cfg.n_embd])
        self.ffn_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        self.gate_up = BitLinearGroup(cfg.n_embd, [cfg.n_ff, cfg.n_ff])
        self.ffn_sub_norm = RMSNorm(cfg.n_ff, cfg.rms_eps)
        self.down = BitLinearGroup(cfg.n_ff, [cfg.n_embd])

    def forward(self, x, cos, sin, mask):
        cfg = self.cfg
        B, T, _ = x.shape
        hd = cfg.head_dim
        q, k, v = self.qkv(self.attn_norm(x))
        q = q.view(B, T, cfg.n_head, hd).transpose(1, 2)      # [B][H][T][hd]
        k = k.view(B, T, cfg.n_head_kv, hd).transpose(1, 2)   # [B][Hkv][T][hd]
        v = v.view(B, T, cfg.n_head_kv, hd).transpose(1, 2)
        q = rope_neox(q, cos, sin)
        k = rope_neox(k, cos, sin)
        group = cfg.n_head // cfg.n_head_kv
        k = k.repeat_interleave(group, dim=1)                 # head j -> kv head j // group
        v = v.repeat_interleave(group, dim=1)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd)) + mask
        y = att.softmax(-1) @ v                               # [B][H][T][hd]
        y = y.transpose(1, 2).reshape(B, T, cfg.n_head * hd)
        x = x + self.wo(self.attn_sub_norm(y))[0]
        g, u = self.gate_up(self.ffn_norm(x))
        f = F.relu(g).square() * u
        return x + self.down(self.ffn_sub_norm(f))[0]


class BitNet(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.tok_embd = nn.Parameter(torch.empty(cfg.n_vocab, cfg.n_embd))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.output_norm = RMSNorm(cfg.n_embd, cfg.rms_eps)
        cos, sin = rope_tables(cfg, cfg.n_ctx)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.f16_embedding = False  # evaluate with the embedding rounded to fp16, as exported

    def init_weights(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            self.tok_embd.normal_(0.0, 0.02, generator=generator)
            for blk in self.blocks:
                for grp in (blk.qkv, blk.wo, blk.gate_up, blk.down):
                    for w in grp.weights:
                        w.normal_(0.0, 0.02, generator=generator)

    def bitlinear_tensors(self) -> list[tuple[str, "BitLinearGroup", int]]:
        """(GGUF tensor name, group, index in group) of every BitLinear weight, in file order."""
        out = []
        for i, blk in enumerate(self.blocks):
            for name, grp, j in (("attn_q", blk.qkv, 0), ("attn_k", blk.qkv, 1), ("attn_v", blk.qkv, 2),
                                 ("attn_output", blk.wo, 0), ("ffn_gate", blk.gate_up, 0),
                                 ("ffn_up", blk.gate_up, 1), ("ffn_down", blk.down, 0)):
                out.append((f"blk.{i}.{name}.weight", grp, j))
        return out

    def norm_tensors(self) -> list[tuple[str, RMSNorm]]:
        out = []
        for i, blk in enumerate(self.blocks):
            for name in ("attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"):
                out.append((f"blk.{i}.{name}.weight", getattr(blk, name)))
        out.append(("output_norm.weight", self.output_norm))
        return out

    @classmethod
    def from_gguf(cls, reader) -> "BitNet":
        """Inference model holding exactly the values of a bitnet-b1.58 GGUF (gguf.GGUFReader)."""
        import gguf  # local import: keeps this module usable without the scripts dir on sys.path

        kv = reader.kv
        a = "bitnet-b1.58."
        n_embd = int(kv[a + "embedding_length"])
        n_head = int(kv[a + "attention.head_count"])
        cfg = Config(n_vocab=int(kv[a + "vocab_size"]), n_ctx=int(kv[a + "context_length"]), n_embd=n_embd,
                     n_layer=int(kv[a + "block_count"]), n_head=n_head,
                     n_head_kv=int(kv[a + "attention.head_count_kv"]), n_ff=int(kv[a + "feed_forward_length"]),
                     rms_eps=float(kv[a + "attention.layer_norm_rms_epsilon"]),
                     rope_theta=float(kv[a + "rope.freq_base"]))
        model = cls(cfg)
        tensors = reader.tensors
        with torch.no_grad():
            model.tok_embd.copy_(torch.from_numpy(tensors["token_embd.weight"].to_float().copy()))
            for name, norm in model.norm_tensors():
                norm.weight.copy_(torch.from_numpy(tensors[name].to_float().copy()))
            stored: dict[int, list] = {}
            for name, grp, j in model.bitlinear_tensors():
                t = tensors[name]
                if t.ggml_type != gguf.GGML_TYPE_I2_S:
                    raise ValueError(f"{name}: expected I2_S, found type {t.ggml_type}")
                values, scale = gguf.i2s_unpack(t.data, t.n_elements)
                tern = torch.from_numpy(values.astype("float32").reshape(t.numpy_shape))
                if tern.shape != grp.weights[j].shape:
                    raise ValueError(f"{name}: shape {tuple(tern.shape)}, model wants {tuple(grp.weights[j].shape)}")
                grp.weights[j].copy_(tern * scale)
                stored.setdefault(id(grp), [None] * len(grp.weights))[j] = (tern, torch.tensor(scale, dtype=torch.float32))
            for _, grp, _ in model.bitlinear_tensors():
                grp.stored = stored[id(grp)]
        model.set_exact(True)
        return model

    def set_exact(self, exact: bool) -> None:
        """Exact quantised inference: integer-domain BitLinear and the fp16-rounded embedding."""
        for m in self.modules():
            if isinstance(m, BitLinearGroup):
                m.exact = exact
        self.f16_embedding = exact

    def set_quantize(self, quantize: bool) -> None:
        for m in self.modules():
            if isinstance(m, BitLinearGroup):
                m.quantize = quantize

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [B][T] -> logits [B][T][n_vocab]"""
        B, T = tokens.shape
        if T > self.cfg.n_ctx:
            raise ValueError(f"sequence of {T} tokens exceeds n_ctx {self.cfg.n_ctx}")
        emb = self.tok_embd.half().float() if self.f16_embedding else self.tok_embd
        x = F.embedding(tokens, emb)
        cos, sin = self.rope_cos[:T], self.rope_sin[:T]
        mask = torch.full((T, T), float("-inf")).triu(1)
        for blk in self.blocks:
            x = blk(x, cos, sin, mask)
        return F.linear(self.output_norm(x), emb)

    def n_params(self) -> dict:
        linear = sum(w.numel() for blk in self.blocks for g in (blk.qkv, blk.wo, blk.gate_up, blk.down)
                     for w in g.weights)
        norms = sum(p.numel() for n, p in self.named_parameters() if "norm" in n)
        return {"ternary": linear, "embedding": self.tok_embd.numel(), "norm": norms,
                "total": linear + self.tok_embd.numel() + norms}
