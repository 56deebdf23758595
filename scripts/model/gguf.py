"""Minimal GGUF v3 reader and writer (numpy only) with the tensor types the Trit model uses.

Why our own: the project may only use Debian packages, and Debian has no `gguf` python package.
The format is the one documented by ggml (gguf.md): a little-endian header
    "GGUF" u32 version=3, u64 n_tensors, u64 n_kv
then n_kv key/value pairs, then n_tensors tensor infos (name, n_dims, ne[n_dims] as u64, ggml type
u32, data offset u64 relative to the data section), padding to `general.alignment`, then the data
section, in which every tensor starts at a multiple of the alignment.

Tensor types handled here: F32 (0), F16 (1) and bitnet.cpp's I2_S (36). I2_S, as the official
BitNet b1.58 2B4T GGUF stores it: the n/4 bytes of 2-bit codes come first, in blocks of 128
elements (32 bytes); byte j of a block holds elements j, j+32, j+64, j+96 in bits 6-7, 4-5, 2-3,
0-1, and the element value is code - 1 (codes 0, 1, 2 mean -1, 0, +1). Then one float32 scale for
the whole tensor, in a 32-byte zero-padded slot, so a tensor occupies n/4 + 32 bytes. Elements are
numbered in ggml order (row-major over ne = [in, out], i.e. numpy shape (out, in)).

The module is imported by the training/export scripts and by the CTest checks in tests/model, so
it must not import torch.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32

# GGUF metadata value types (gguf.md, enum gguf_metadata_value_type).
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)

_SCALAR_FORMATS = {
    UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
    FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d",
}
_SCALAR_DTYPES = {
    UINT8: "<u1", INT8: "<i1", UINT16: "<u2", INT16: "<i2", UINT32: "<u4", INT32: "<i4",
    FLOAT32: "<f4", BOOL: "<u1", UINT64: "<u8", INT64: "<i8", FLOAT64: "<f8",
}

# ggml tensor types used here.
GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1
GGML_TYPE_I2_S = 36
GGML_TYPE_NAMES = {GGML_TYPE_F32: "F32", GGML_TYPE_F16: "F16", GGML_TYPE_I2_S: "I2_S"}

I2S_BLOCK = 128          # elements per I2_S block
I2S_BLOCK_BYTES = 32     # 128 elements * 2 bits
I2S_SCALE_SLOT = 32      # bytes reserved after the codes for the float32 per-tensor scale


class GGUFError(ValueError):
    """A file that is not valid GGUF, or a tensor that cannot be encoded as asked."""


def tensor_nbytes(ggml_type: int, n_elements: int) -> int:
    """Bytes a tensor of this type and element count occupies in the data section."""
    if ggml_type == GGML_TYPE_F32:
        return 4 * n_elements
    if ggml_type == GGML_TYPE_F16:
        return 2 * n_elements
    if ggml_type == GGML_TYPE_I2_S:
        if n_elements % I2S_BLOCK:
            raise GGUFError(f"I2_S needs a multiple of {I2S_BLOCK} elements, got {n_elements}")
        return n_elements // 4 + I2S_SCALE_SLOT
    raise GGUFError(f"unsupported ggml type {ggml_type}")


# ------------------------------------------------------------------------------------------------
# I2_S
# ------------------------------------------------------------------------------------------------

def i2s_pack(ternary: np.ndarray, scale: float) -> bytes:
    """Encode ternary values (any shape, ggml element order = C order) and a per-tensor scale."""
    t = np.ascontiguousarray(ternary).reshape(-1)
    if t.size % I2S_BLOCK:
        raise GGUFError(f"I2_S needs a multiple of {I2S_BLOCK} elements, got {t.size}")
    if not np.isin(t, (-1, 0, 1)).all():
        raise GGUFError("I2_S input is not ternary")
    codes = (t.astype(np.int16) + 1).astype(np.uint8).reshape(-1, 4, 32)  # [block][group][j]
    # byte j of a block: element j (group 0) in bits 6-7 ... element j+96 (group 3) in bits 0-1
    packed = (codes[:, 0] << 6) | (codes[:, 1] << 4) | (codes[:, 2] << 2) | codes[:, 3]
    slot = struct.pack("<f", float(scale)).ljust(I2S_SCALE_SLOT, b"\0")
    return packed.astype(np.uint8).tobytes() + slot


def i2s_unpack(data: bytes | memoryview | np.ndarray, n_elements: int) -> tuple[np.ndarray, float]:
    """Decode I2_S bytes into (ternary int8 values [n_elements], float32 per-tensor scale)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size != tensor_nbytes(GGML_TYPE_I2_S, n_elements):
        raise GGUFError(f"I2_S data has {raw.size} bytes, expected {n_elements // 4 + I2S_SCALE_SLOT}")
    packed = raw[: n_elements // 4].reshape(-1, 32)  # [block][j]
    codes = np.stack([(packed >> 6) & 3, (packed >> 4) & 3, (packed >> 2) & 3, packed & 3], axis=1)
    if (codes == 3).any():
        raise GGUFError("I2_S data holds code 3, which is not a ternary value")
    values = codes.astype(np.int8).reshape(-1) - 1
    scale = float(np.frombuffer(raw[n_elements // 4: n_elements // 4 + 4].tobytes(), "<f4")[0])
    return values, scale


# ------------------------------------------------------------------------------------------------
# Reader
# ------------------------------------------------------------------------------------------------

@dataclass
class TensorInfo:
    name: str
    ne: tuple[int, ...]      # ggml order: ne[0] is the contiguous (input) dimension
    ggml_type: int
    offset: int              # relative to the data section
    data: memoryview = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.ne:
            n *= d
        return n

    @property
    def numpy_shape(self) -> tuple[int, ...]:
        return tuple(reversed(self.ne))

    def to_float(self) -> np.ndarray:
        """The tensor as float32 with numpy shape (out, in): I2_S values are ternary * scale."""
        if self.ggml_type == GGML_TYPE_F32:
            a = np.frombuffer(self.data, "<f4")
        elif self.ggml_type == GGML_TYPE_F16:
            a = np.frombuffer(self.data, "<f2").astype(np.float32)
        elif self.ggml_type == GGML_TYPE_I2_S:
            t, s = i2s_unpack(self.data, self.n_elements)
            a = t.astype(np.float32) * np.float32(s)
        else:
            raise GGUFError(f"tensor {self.name}: unsupported type {self.ggml_type}")
        return a.reshape(self.numpy_shape)


class GGUFReader:
    """Parses a whole GGUF file held in memory; every error names the offset it happened at."""

    def __init__(self, blob: bytes):
        self.blob = memoryview(blob)
        self.pos = 0
        if bytes(self._take(4)) != GGUF_MAGIC:
            raise GGUFError("not a GGUF file (bad magic)")
        self.version = self._scalar(UINT32)
        if self.version != GGUF_VERSION:
            raise GGUFError(f"GGUF version {self.version}, only {GGUF_VERSION} is supported")
        n_tensors = self._scalar(UINT64)
        n_kv = self._scalar(UINT64)
        self.kv: dict[str, Any] = {}
        self.kv_types: dict[str, tuple[int, int | None]] = {}  # key -> (type, array elem type)
        for _ in range(n_kv):
            key = self._string()
            if key in self.kv:
                raise GGUFError(f"duplicate key {key!r} at offset {self.pos}")
            vtype = self._scalar(UINT32)
            value, etype = self._value(vtype)
            self.kv[key] = value
            self.kv_types[key] = (vtype, etype)
        self.tensors: dict[str, TensorInfo] = {}
        for _ in range(n_tensors):
            name = self._string()
            n_dims = self._scalar(UINT32)
            if not 1 <= n_dims <= 4:
                raise GGUFError(f"tensor {name!r}: n_dims {n_dims} at offset {self.pos}")
            ne = tuple(self._scalar(UINT64) for _ in range(n_dims))
            ggml_type = self._scalar(UINT32)
            offset = self._scalar(UINT64)
            if name in self.tensors:
                raise GGUFError(f"duplicate tensor {name!r}")
            self.tensors[name] = TensorInfo(name, ne, ggml_type, offset)
        self.alignment = int(self.kv.get("general.alignment", DEFAULT_ALIGNMENT))
        self.data_start = _align(self.pos, self.alignment)
        for t in self.tensors.values():
            if t.offset % self.alignment:
                raise GGUFError(f"tensor {t.name!r}: offset {t.offset} is not aligned to {self.alignment}")
            begin = self.data_start + t.offset
            end = begin + tensor_nbytes(t.ggml_type, t.n_elements)
            if end > len(self.blob):
                raise GGUFError(f"tensor {t.name!r}: data [{begin}, {end}) beyond end of file {len(self.blob)}")
            t.data = self.blob[begin:end]

    @classmethod
    def open(cls, path: str) -> "GGUFReader":
        if str(path).endswith(".gz"):
            import gzip
            with gzip.open(path, "rb") as f:
                return cls(f.read())
        with open(path, "rb") as f:
            return cls(f.read())

    def _take(self, n: int) -> memoryview:
        if self.pos + n > len(self.blob):
            raise GGUFError(f"truncated file: need {n} bytes at offset {self.pos}, size {len(self.blob)}")
        out = self.blob[self.pos:self.pos + n]
        self.pos += n
        return out

    def _scalar(self, vtype: int):
        fmt = _SCALAR_FORMATS[vtype]
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _string(self) -> str:
        n = self._scalar(UINT64)
        raw = bytes(self._take(n))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise GGUFError(f"invalid UTF-8 string at offset {self.pos - n}: {e}") from None

    def _value(self, vtype: int):
        if vtype == STRING:
            return self._string(), None
        if vtype == ARRAY:
            etype = self._scalar(UINT32)
            n = self._scalar(UINT64)
            if etype == STRING:
                return [self._string() for _ in range(n)], etype
            if etype in _SCALAR_DTYPES:
                dt = np.dtype(_SCALAR_DTYPES[etype])
                arr = np.frombuffer(self._take(n * dt.itemsize), dt)
                return arr, etype
            raise GGUFError(f"unsupported array element type {etype} at offset {self.pos}")
        if vtype in _SCALAR_FORMATS:
            return self._scalar(vtype), None
        raise GGUFError(f"unknown value type {vtype} at offset {self.pos}")


# ------------------------------------------------------------------------------------------------
# Writer
# ------------------------------------------------------------------------------------------------

def _align(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


class GGUFWriter:
    """Collects metadata and tensors, then writes the file in one go (keys in insertion order)."""

    def __init__(self, alignment: int = DEFAULT_ALIGNMENT):
        self.alignment = alignment
        self.kv: list[tuple[str, int, Any, int | None]] = []
        self.tensors: list[tuple[str, tuple[int, ...], int, bytes]] = []
        self.add(  "general.alignment", UINT32, alignment)

    def add(self, key: str, vtype: int, value: Any, elem_type: int | None = None) -> None:
        if any(k == key for k, *_ in self.kv):
            raise GGUFError(f"duplicate key {key!r}")
        if vtype == ARRAY and elem_type is None:
            raise GGUFError(f"array key {key!r} needs an element type")
        self.kv.append((key, vtype, value, elem_type))

    def add_tensor(self, name: str, ne: tuple[int, ...], ggml_type: int, data: bytes) -> None:
        n = 1
        for d in ne:
            n *= d
        if len(data) != tensor_nbytes(ggml_type, n):
            raise GGUFError(f"tensor {name!r}: {len(data)} bytes for type {ggml_type} and ne {ne}")
        self.tensors.append((name, tuple(int(d) for d in ne), ggml_type, bytes(data)))

    def add_f32(self, name: str, array: np.ndarray) -> None:
        a = np.ascontiguousarray(array, dtype="<f4")
        self.add_tensor(name, tuple(reversed(a.shape)), GGML_TYPE_F32, a.tobytes())

    def add_f16(self, name: str, array: np.ndarray) -> None:
        a = np.ascontiguousarray(array, dtype="<f2")
        self.add_tensor(name, tuple(reversed(a.shape)), GGML_TYPE_F16, a.tobytes())

    def add_i2s(self, name: str, ternary: np.ndarray, scale: float) -> None:
        self.add_tensor(name, tuple(reversed(ternary.shape)), GGML_TYPE_I2_S, i2s_pack(ternary, scale))

    def write(self, f: BinaryIO) -> None:
        out = bytearray()
        out += GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv))
        for key, vtype, value, etype in self.kv:
            out += _pack_string(key) + struct.pack("<I", vtype) + _pack_value(vtype, value, etype)
        offset = 0
        offsets = []
        for name, ne, ggml_type, data in self.tensors:
            offsets.append(offset)
            out += _pack_string(name) + struct.pack("<I", len(ne))
            out += b"".join(struct.pack("<Q", d) for d in ne)
            out += struct.pack("<IQ", ggml_type, offset)
            offset = _align(offset + len(data), self.alignment)
        out += b"\0" * (_align(len(out), self.alignment) - len(out))
        data_start = len(out)
        for (name, ne, ggml_type, data), off in zip(self.tensors, offsets):
            out += b"\0" * (data_start + off - len(out))
            out += data
        out += b"\0" * (_align(len(out), self.alignment) - len(out))
        f.write(out)


def _pack_string(s: str) -> bytes:
    raw = s.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _pack_value(vtype: int, value: Any, etype: int | None) -> bytes:
    if vtype == STRING:
        return _pack_string(value)
    if vtype == ARRAY:
        items = list(value)
        head = struct.pack("<IQ", etype, len(items))
        if etype == STRING:
            return head + b"".join(_pack_string(v) for v in items)
        return head + np.asarray(items, dtype=_SCALAR_DTYPES[etype]).tobytes()
    return struct.pack(_SCALAR_FORMATS[vtype], value)
