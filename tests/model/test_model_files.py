#!/usr/bin/env python3
"""Checks of the committed default model (models/*.gguf) and its reference data, numpy only.

* The GGUF parses and has exactly the metadata, tensor names, shapes and types the runtime's
  bitnet-b1.58 loader expects, in the layout of the official 2B4T I2_S file, and a Llama-3-style
  gpt2/llama-bpe tokenizer.
* Our I2_S decoder reads the shared reference tiny_i2_s.gguf as the same numbers as the F32
  reference model (independent data), and the numpy forward pass used below reproduces the
  reference's float64 logits of that model.
* That numpy forward pass, run with int8 activations on the committed GGUF, reproduces the
  PyTorch reference logits exported with it (tests/data/model), so GGUF and reference agree.

Usage: test_model_files.py --model MODEL.gguf --data TESTS_DATA_DIR [unittest args]
"""

from __future__ import annotations

import argparse
import os
import sys
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "model"))
sys.path.insert(0, HERE)

import gguf  # noqa: E402
import numpy_bitnet  # noqa: E402

ARGS = argparse.Namespace(model=None, data=None)
A = "bitnet-b1.58."
MAX_MODEL_BYTES = 8 * 1024 * 1024
LLAMA3_CONTROL = {  # text -> offset from the first control id, as in Llama 3 (128000 + offset)
    "<|begin_of_text|>": 0, "<|end_of_text|>": 1, "<|start_header_id|>": 6,
    "<|end_header_id|>": 7, "<|eot_id|>": 9,
}
REF_PROMPTS = ("bos", "gen1", "rev21")


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


class CommittedModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r = gguf.GGUFReader.open(ARGS.model)
        cls.kv = cls.r.kv

    def u32(self, key):
        self.assertIn(key, self.kv)
        self.assertEqual(self.r.kv_types[key], (gguf.UINT32, None), key)
        return int(self.kv[key])

    def test_size_and_alignment(self):
        self.assertLessEqual(len(self.r.blob), MAX_MODEL_BYTES)
        self.assertEqual(self.r.version, 3)
        self.assertEqual(self.u32("general.alignment"), 32)
        for t in self.r.tensors.values():
            self.assertEqual((self.r.data_start + t.offset) % 32, 0, t.name)

    def test_general_metadata(self):
        self.assertEqual(self.kv["general.architecture"], "bitnet-b1.58")
        for key in ("general.name", "general.license"):
            self.assertEqual(self.r.kv_types[key][0], gguf.STRING)
            self.assertTrue(self.kv[key].strip(), key)
        self.assertIn("public domain", self.kv["general.license"])

    def test_hyperparameters_fit_the_runtime_and_block_formats(self):
        n_embd = self.u32(A + "embedding_length")
        n_head = self.u32(A + "attention.head_count")
        n_head_kv = self.u32(A + "attention.head_count_kv")
        n_ff = self.u32(A + "feed_forward_length")
        self.assertGreater(self.u32(A + "block_count"), 0)
        self.assertGreater(self.u32(A + "context_length"), 0)
        self.assertEqual(n_embd % n_head, 0)
        hd = n_embd // n_head
        self.assertEqual(self.u32(A + "rope.dimension_count"), hd)
        self.assertEqual(hd % 2, 0)
        self.assertEqual(n_head % n_head_kv, 0)
        for d in (n_embd, n_ff, n_head_kv * hd):
            self.assertEqual(d % 256, 0, "every BitLinear dimension must fill TQ2_0 and I2_S blocks")
        for key in ("rope.freq_base", "attention.layer_norm_rms_epsilon"):
            self.assertEqual(self.r.kv_types[A + key][0], gguf.FLOAT32, key)
        self.assertGreater(self.kv[A + "rope.freq_base"], 0)
        self.assertTrue(0 < self.kv[A + "attention.layer_norm_rms_epsilon"] < 1e-3)

    def test_tensor_inventory(self):
        kv = self.kv
        n_embd, n_ff = int(kv[A + "embedding_length"]), int(kv[A + "feed_forward_length"])
        n_vocab = int(kv[A + "vocab_size"])
        hd = n_embd // int(kv[A + "attention.head_count"])
        q_out = int(kv[A + "attention.head_count"]) * hd
        kv_out = int(kv[A + "attention.head_count_kv"]) * hd
        F32, F16, I2S = gguf.GGML_TYPE_F32, gguf.GGML_TYPE_F16, gguf.GGML_TYPE_I2_S
        want = {"token_embd.weight": ((n_embd, n_vocab), F16), "output_norm.weight": ((n_embd,), F32)}
        for L in range(int(kv[A + "block_count"])):
            p = f"blk.{L}."
            want.update({
                p + "attn_norm.weight": ((n_embd,), F32), p + "attn_q.weight": ((n_embd, q_out), I2S),
                p + "attn_k.weight": ((n_embd, kv_out), I2S), p + "attn_v.weight": ((n_embd, kv_out), I2S),
                p + "attn_sub_norm.weight": ((q_out,), F32), p + "attn_output.weight": ((q_out, n_embd), I2S),
                p + "ffn_norm.weight": ((n_embd,), F32), p + "ffn_gate.weight": ((n_embd, n_ff), I2S),
                p + "ffn_up.weight": ((n_embd, n_ff), I2S), p + "ffn_sub_norm.weight": ((n_ff,), F32),
                p + "ffn_down.weight": ((n_ff, n_embd), I2S)})
        got = {n: (t.ne, t.ggml_type) for n, t in self.r.tensors.items()}
        self.assertEqual(got, want)  # also: no output.weight (tied head), no biases, no scales

    def test_weights_are_well_formed(self):
        for t in self.r.tensors.values():
            if t.ggml_type == gguf.GGML_TYPE_I2_S:
                values, scale = gguf.i2s_unpack(t.data, t.n_elements)   # rejects code 3
                self.assertTrue(np.isfinite(scale) and 0 < scale < 1, t.name)
                counts = np.bincount(values + 1, minlength=3)
                self.assertTrue((counts > t.n_elements // 20).all(), f"{t.name}: degenerate {counts}")
            else:
                self.assertTrue(np.isfinite(t.to_float()).all(), t.name)

    def test_tokenizer_metadata(self):
        kv = self.kv
        self.assertEqual(kv["tokenizer.ggml.model"], "gpt2")
        self.assertEqual(kv["tokenizer.ggml.pre"], "llama-bpe")
        tokens, types = kv["tokenizer.ggml.tokens"], kv["tokenizer.ggml.token_type"]
        self.assertEqual(self.r.kv_types["tokenizer.ggml.token_type"], (gguf.ARRAY, gguf.INT32))
        self.assertEqual(len(tokens), int(kv[A + "vocab_size"]))
        self.assertEqual(len(types), len(tokens))
        self.assertEqual(len(set(tokens)), len(tokens))
        self.assertNotIn("tokenizer.ggml.scores", kv)
        control = [i for i, t in enumerate(types) if t == 3]
        self.assertEqual(set(int(t) for t in types), {1, 3})
        # control tokens: one contiguous block at the end, Llama 3's order
        self.assertEqual(control, list(range(control[0], len(tokens))))
        for text, off in LLAMA3_CONTROL.items():
            self.assertEqual(tokens[control[0] + off], text)
        self.assertEqual(self.u32("tokenizer.ggml.bos_token_id"), control[0])
        self.assertEqual(self.u32("tokenizer.ggml.eos_token_id"), control[0] + 1)
        self.assertEqual(self.u32("tokenizer.ggml.eot_token_id"), control[0] + 9)
        self.assertIs(kv["tokenizer.ggml.add_bos_token"], True)
        # every byte is a token in GPT-2 byte-to-unicode form, so any text can be encoded
        normal = set(tokens[: control[0]])
        self.assertIn("Ġ", normal)   # space
        self.assertIn("Ċ", normal)   # newline
        printable = [chr(c) for c in range(ord("!"), ord("~") + 1)]
        self.assertTrue(all(c in normal for c in printable))
        self.assertEqual(sum(len(t) == 1 for t in normal), 256)
        # merges: "left right", both sides tokens, each producing a token, in rank order
        merges = kv["tokenizer.ggml.merges"]
        self.assertEqual(len(merges), control[0] - 256)
        seen = set(t for t in normal if len(t) == 1)
        for r, m in enumerate(merges):
            left, right = m.split(" ")
            self.assertIn(left, seen, f"merge {r} uses {left!r} before it exists")
            self.assertIn(right, seen, f"merge {r} uses {right!r} before it exists")
            self.assertIn(left + right, normal)
            seen.add(left + right)


class ReferenceLayout(unittest.TestCase):
    """Our reader and numpy forward pass against the shared independent reference data."""

    def ref(self, name):
        return os.path.join(ARGS.data, "reference", name)

    def test_i2s_decoder_matches_f32_reference(self):
        i2s = gguf.GGUFReader.open(self.ref("tiny_i2_s.gguf"))
        f32 = gguf.GGUFReader.open(self.ref("tiny_f32.gguf.gz"))
        n = 0
        for name, t in i2s.tensors.items():
            self.assertEqual(t.ne, f32.tensors[name].ne)
            np.testing.assert_array_equal(t.to_float(), f32.tensors[name].to_float(), err_msg=name)
            if t.ggml_type == gguf.GGML_TYPE_I2_S:
                n += 1
                values, scale = gguf.i2s_unpack(t.data, t.n_elements)
                self.assertEqual(gguf.i2s_pack(values, scale), bytes(t.data), name)
        self.assertEqual(n, 21)

    def test_numpy_forward_matches_fp64_reference(self):
        r = gguf.GGUFReader.open(self.ref("tiny_f32.gguf.gz"))
        for p in ("p9", "p40"):
            with open(self.ref(f"tiny_{p}.tokens.txt")) as f:
                toks = [int(t) for t in f.read().split()]
            want = np.fromfile(self.ref(f"tiny_f32_{p}.fp64ref.logits.f32"), "<f4").reshape(len(toks), -1)
            got = numpy_bitnet.forward(r, gguf, toks, act_int8=False)
            self.assertLess(np.abs(got - want).max(), 1e-5 * np.abs(want).max(), p)


class CommittedReferenceLogits(unittest.TestCase):
    """tests/data/model/*: written by scripts/model/evaluate.py from the PyTorch quantised forward."""

    @classmethod
    def setUpClass(cls):
        cls.r = gguf.GGUFReader.open(ARGS.model)
        cls.n_vocab = int(cls.r.kv[A + "vocab_size"])

    def path(self, name):
        return os.path.join(ARGS.data, "model", name)

    def test_numpy_int8_forward_reproduces_pytorch_logits(self):
        for p in REF_PROMPTS:
            with open(self.path(f"trit-kjv_{p}.tokens.txt")) as f:
                toks = [int(t) for t in f.read().split()]
            self.assertEqual(toks[0], int(self.r.kv["tokenizer.ggml.bos_token_id"]))
            want = np.fromfile(self.path(f"trit-kjv_{p}.logits.f32"), "<f4")
            self.assertEqual(want.size, len(toks) * self.n_vocab, p)
            want = want.reshape(len(toks), self.n_vocab)
            got = numpy_bitnet.forward(self.r, gguf, toks, act_int8=True)
            # Same int8 semantics in float64 vs float32: identical to ~1e-5 except after a float32
            # difference flips one int8 rounding, which moves later logits by up to ~1e-2.
            # (Leaving out the activation quantisation moves every row by 3e-2 or more.)
            row_err = np.abs(got - want).max(axis=1)
            self.assertLess(row_err[0], 1e-3, p)
            self.assertLess(np.median(row_err), 1e-3, p)
            self.assertLess(row_err.max(), 0.03 * np.abs(want).max(), p)
            self.assertGreater(cosine_rows(got, want).min(), 0.9999, p)
            top2 = np.sort(want, axis=1)[:, -2:]
            clear = (top2[:, 1] - top2[:, 0]) > 0.05
            np.testing.assert_array_equal(got.argmax(1)[clear], want.argmax(1)[clear], err_msg=p)

    def test_reference_data_belongs_to_this_model(self):
        import hashlib
        import json
        with open(self.path("trit-kjv.eval.json")) as f:
            ev = json.load(f)
        self.assertEqual(ev["model_sha256"], hashlib.sha256(bytes(self.r.blob)).hexdigest(),
                         "tests/data/model was written for another model file: rerun `make model`")
        self.assertEqual(ev["model_bytes"], len(self.r.blob))

    def test_heldout_text(self):
        with open(self.path("kjv-revelation.txt"), "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
        lines = text.split("\n")
        self.assertEqual(lines[-1], "")              # ends with a newline
        self.assertEqual(len(lines) - 1, 404)        # the 404 verses of Revelation, one per line
        self.assertTrue(lines[0].startswith("The Revelation of Jesus Christ"))
        self.assertTrue(all(line and not line[0].isdigit() for line in lines[:-1]))  # no references


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    args, rest = ap.parse_known_args()
    ARGS.model, ARGS.data = args.model, args.data
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
