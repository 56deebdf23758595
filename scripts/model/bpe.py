#!/usr/bin/env python3
"""Byte-level BPE in the Llama 3 style: training, encoding, decoding.

The tokenizer this builds is stored in the GGUF exactly like a Llama 3 vocabulary
(`tokenizer.ggml.model = "gpt2"`, `tokenizer.ggml.pre = "llama-bpe"`), so the C++ runtime
tokenizes it through the same code path as BitNet b1.58 2B4T. That only works if training and
encoding here follow the rules that runtime implements:

* Pre-tokenization: the Llama 3 split regex (LLAMA3_SPLIT below; python3-regex supports \\p{L} and
  \\p{N}). BPE never merges across pre-token boundaries.
* Byte-level: every pre-token is UTF-8 encoded and every byte mapped to a printable character
  (GPT-2's bytes_to_unicode: ' ' -> 'Ġ', '\\n' -> 'Ċ'); vocabulary pieces are stored in that form.
* "ignore merges": a pre-token that is itself a vocabulary piece becomes that one token. Otherwise
  the lowest-rank adjacent pair is merged (all its non-overlapping occurrences, left to right)
  until no ranked pair is left.

Vocabulary layout: ids 0..255 are the single bytes (id = byte value), ids 256.. are the merges in
rank order (merge r creates id 256 + r), and the last ids are the control tokens, placed in the
same relative order as Llama 3's first ten special tokens (Llama 3 ids 128000..128009).

Usage: bpe.py train TRAIN_TXT N_VOCAB OUT_JSON
       bpe.py encode TOKENIZER_JSON TEXT_FILE OUT_NPY     (uint16 ids, no BOS)
"""

from __future__ import annotations

import heapq
import json
import sys
from collections import Counter

import regex

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_SPLIT_RE = regex.compile(LLAMA3_SPLIT)

# Llama 3's first ten special tokens, in its id order (128000 + index).
SPECIAL_TOKENS = [
    "<|begin_of_text|>", "<|end_of_text|>",
    "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
    "<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
    "<|start_header_id|>", "<|end_header_id|>",
    "<|reserved_special_token_4|>", "<|eot_id|>",
]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable unicode characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    mapping = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def to_piece(raw: bytes) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in raw)


def pretokenize(text: str) -> list[str]:
    return _SPLIT_RE.findall(text)


def _merge_word(word: list[int], left: int, right: int, new_id: int) -> list[int]:
    out = []
    i = 0
    n = len(word)
    while i < n:
        if i + 1 < n and word[i] == left and word[i + 1] == right:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train(text: str, n_merges: int) -> list[tuple[int, int]]:
    """Learn n_merges merges (pairs of ids) from the text; deterministic.

    The most frequent adjacent pair (counted over pre-tokens, weighted by frequency) is merged
    next; ties go to the smallest (left id, right id). Pair counts are updated incrementally:
    only the words containing the merged pair are revisited.
    """
    counts = Counter(pretokenize(text))
    words = [list(w.encode("utf-8")) for w in counts]
    freqs = list(counts.values())
    pair_count: Counter = Counter()
    pair_words: dict[tuple[int, int], set[int]] = {}
    for wi, (w, f) in enumerate(zip(words, freqs)):
        for p in zip(w, w[1:]):
            pair_count[p] += f
            pair_words.setdefault(p, set()).add(wi)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    while len(merges) < n_merges:
        if not heap:
            raise ValueError(f"text too small: only {len(merges)} merges possible")
        negc, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -negc or negc == 0:
            continue  # stale heap entry
        new_id = 256 + len(merges)
        merges.append(pair)
        changed: set[tuple[int, int]] = set()
        for wi in pair_words.pop(pair):
            w = words[wi]
            f = freqs[wi]
            for p in zip(w, w[1:]):
                pair_count[p] -= f
                changed.add(p)
            w = _merge_word(w, pair[0], pair[1], new_id)
            words[wi] = w
            for p in zip(w, w[1:]):
                pair_count[p] += f
                pair_words.setdefault(p, set()).add(wi)
                changed.add(p)
        pair_count.pop(pair, None)
        for p in changed:
            c = pair_count.get(p, 0)
            if c > 0 and p != pair:
                heapq.heappush(heap, (-c, p))
            elif c <= 0:
                pair_count.pop(p, None)
    return merges


class Tokenizer:
    """Encoder/decoder over GGUF-style pieces and "left right" merges (as the runtime reads them).

    Built either from our own trained merges (from_merges) or from any gpt2/llama-bpe GGUF
    vocabulary (from_gguf), so the same code can be checked against the Llama 3 reference cases.
    """

    def __init__(self, pieces: list[str], merges: list[str], control: set[int]):
        self.pieces = list(pieces)
        self.control = set(control)
        self.piece_to_id: dict[str, int] = {}
        for i, p in enumerate(self.pieces):
            if i not in self.control:
                if p in self.piece_to_id:
                    raise ValueError(f"duplicate piece {p!r} (ids {self.piece_to_id[p]} and {i})")
                self.piece_to_id[p] = i
        self.rank: dict[tuple[str, str], int] = {}
        for r, m in enumerate(merges):
            left, sep, right = m.partition(" ")
            if not sep or not left or not right:
                raise ValueError(f"merge {r} is not 'left right': {m!r}")
            self.rank.setdefault((left, right), r)
        self.merges = list(merges)
        self._cache: dict[str, list[int]] = {}
        self.special_ids = {self.pieces[i]: i for i in sorted(self.control)}
        self.bos_id = self.special_ids.get("<|begin_of_text|>")
        self.eos_id = self.special_ids.get("<|end_of_text|>")
        self.eot_id = self.special_ids.get("<|eot_id|>")

    @classmethod
    def from_merges(cls, merges: list[tuple[int, int]]) -> "Tokenizer":
        """Our layout: 256 byte tokens, one token per merge, then the control tokens."""
        token_bytes = [bytes([b]) for b in range(256)]
        for a, b in merges:
            token_bytes.append(token_bytes[a] + token_bytes[b])
        byte_pieces = [to_piece(t) for t in token_bytes]
        merge_strings = [f"{byte_pieces[a]} {byte_pieces[b]}" for a, b in merges]
        n_bpe = len(byte_pieces)
        control = set(range(n_bpe, n_bpe + len(SPECIAL_TOKENS)))
        return cls(byte_pieces + SPECIAL_TOKENS, merge_strings, control)

    @classmethod
    def from_gguf(cls, kv: dict) -> "Tokenizer":
        """From the tokenizer.ggml.* metadata of a gguf.GGUFReader (control = token type 3)."""
        types = kv["tokenizer.ggml.token_type"]
        control = {i for i, t in enumerate(types) if int(t) == 3}
        return cls(kv["tokenizer.ggml.tokens"], kv["tokenizer.ggml.merges"], control)

    @property
    def n_vocab(self) -> int:
        return len(self.pieces)

    def token_types(self) -> list[int]:
        """GGUF token types: 1 normal, 3 control."""
        return [3 if i in self.control else 1 for i in range(self.n_vocab)]

    def _encode_word(self, word: str) -> list[int]:
        mapped = to_piece(word.encode("utf-8"))
        whole = self.piece_to_id.get(mapped)
        if whole is not None:
            return [whole]  # "ignore merges"
        symbols = list(mapped)
        while len(symbols) > 1:
            best_rank, best = 1 << 62, None
            for p in zip(symbols, symbols[1:]):
                r = self.rank.get(p)
                if r is not None and r < best_rank:
                    best_rank, best = r, p
            if best is None:
                break
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == best[0] and symbols[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        try:
            return [self.piece_to_id[s] for s in symbols]
        except KeyError as e:
            raise ValueError(f"piece {e.args[0]!r} of {word!r} is not in the vocabulary") from None

    def encode(self, text: str, add_bos: bool = False) -> list[int]:
        """Plain text only (parse_special off): control-token text is tokenized as characters."""
        out = [self.bos_id] if add_bos else []
        for word in pretokenize(text):
            ids = self._cache.get(word)
            if ids is None:
                ids = self._encode_word(word)
                self._cache[word] = ids
            out.extend(ids)
        return out

    def decode(self, ids) -> str:
        raw = bytearray()
        for i in ids:
            p = self.pieces[int(i)]
            raw += p.encode("utf-8") if int(i) in self.control else bytes(CHAR_TO_BYTE[c] for c in p)
        return raw.decode("utf-8", errors="replace")

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"pre": "llama-bpe", "split_regex": LLAMA3_SPLIT, "tokens": self.pieces,
                       "control": sorted(self.control), "merges": self.merges}, f, ensure_ascii=False)

    @classmethod
    def load(cls, path: str) -> "Tokenizer":
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if d.get("split_regex") != LLAMA3_SPLIT:
            raise ValueError(f"{path}: tokenizer was built with a different split regex")
        return cls(d["tokens"], d["merges"], set(d["control"]))


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[1] == "train":
        with open(argv[2], encoding="utf-8") as f:
            text = f.read()
        n_vocab = int(argv[3])
        n_merges = n_vocab - 256 - len(SPECIAL_TOKENS)
        tok = Tokenizer.from_merges(train(text, n_merges))
        assert tok.n_vocab == n_vocab
        tok.save(argv[4])
        ids = tok.encode(text)
        if tok.decode(ids) != text:
            raise ValueError("BPE round trip failed on the training text")
        print(f"bpe: {n_merges} merges, vocabulary {tok.n_vocab}; training text {len(text)} bytes -> "
              f"{len(ids)} tokens ({len(text) / len(ids):.2f} bytes/token)")
        return 0
    if len(argv) == 5 and argv[1] == "encode":
        import numpy as np
        tok = Tokenizer.load(argv[2])
        with open(argv[3], encoding="utf-8") as f:
            text = f.read()
        ids = tok.encode(text)
        if tok.decode(ids) != text:
            raise ValueError(f"BPE round trip failed on {argv[3]}")
        np.save(argv[4], np.asarray(ids, dtype=np.uint16))
        print(f"bpe: {argv[3]}: {len(text)} bytes -> {len(ids)} tokens")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
