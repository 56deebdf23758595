// A weight matrix as the forward pass sees it: N output rows of K inputs over a GGUF tensor
// with ne = [K, N], read in place from the mapping (ternary tensors are never expanded).
//
// Two views:
//  - float rows (any decodable type): for float-stored weights, embeddings and the LM head;
//  - ternary rows: int8 codes {-1,0,+1} row by row plus scale(s), for the BitLinear integer
//    path. This is what an accelerator driver repacks from.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/reader.hpp"

namespace trit::model {

// Errors in a model's content or use (shapes, metadata, token ids, context length).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How the rescale of a ternary matrix is organised.
enum class TernaryScale {
  PerRow,    // one scale per output row (per-tensor scales are stored as N equal row scales):
             // y[m][n] = acc[m][n] / s_x[m] * w_scale[n]. Offloadable.
  PerBlock,  // block scales differ within some row (possible in general TQ1_0/TQ2_0 files):
             // the int32 sum must be split per block and rescaled per block. CPU only.
};

class Matrix {
 public:
  Matrix() = default;
  // Views `t` as a matrix with rows() = ne[1] and cols() = ne[0]; `t` must be at most 2-D.
  // For ternary types this scans the stored scales (and 2-bit codes for validity) once.
  explicit Matrix(const gguf::TensorInfo& t);

  bool valid() const { return info_ != nullptr; }
  const gguf::TensorInfo& info() const { return *info_; }
  std::string_view name() const { return info_->name; }
  int64_t rows() const { return static_cast<int64_t>(info_->ne[1]); }  // N
  int64_t cols() const { return static_cast<int64_t>(info_->ne[0]); }  // K
  uint32_t type_id() const { return info_->type_id; }

  // --- float view ---
  // out[K] = row n with its scale applied.
  void row_f32(int64_t n, float* out) const;
  // Row n of an F32 tensor in place when it is suitably aligned, else nullptr (use row_f32).
  const float* row_f32_in_place(int64_t n) const;

  // --- ternary view ---
  // True for ternary-typed tensors, and for float tensors after make_ternary().
  bool is_ternary() const { return ternary_; }
  TernaryScale scale_kind() const { return scale_kind_; }
  bool offloadable() const { return ternary_ && scale_kind_ == TernaryScale::PerRow; }
  // Empty when offloadable(); otherwise why the integer product alone cannot give this matrix's
  // result ("F32 weights are not ternary ...", "block scales differ within a row ...").
  std::string not_offloadable_reason() const;
  // out[K] = codes of row n in {-1, 0, +1}.
  void row_codes(int64_t n, int8_t* out) const;
  // PerRow: the scale of row n.
  float row_scale(int64_t n) const { return row_scales_[static_cast<size_t>(n)]; }
  const float* row_scales() const { return row_scales_.data(); }  // [N], PerRow only
  // PerBlock: elements per scale block, and the block scales of row n (cols()/block values).
  int64_t scale_block() const { return scale_block_; }
  void row_block_scales(int64_t n, float* out) const;

  // Treats a float-stored matrix as ternary for the int8 path (ModelOptions::force_int8):
  // scale = absmax of the tensor, code = sign(w) where |w| >= scale/2, else 0 (the rule
  // ik_llama.cpp's IQ2_BN quantiser uses). Returns whether the tensor was exactly ternary
  // (every value in {-s, 0, +s}), i.e. whether the int8 path loses nothing in the weights.
  bool make_ternary();

  // Bits per weight as stored in the file (1.625 for IQ1_BN, 2 for I2_S, 16 for F16, ...).
  double stored_bits_per_weight() const;

  // A device's prepared form of this weight (e.g. the CPU device's repacked tiles), kept with
  // the matrix so it lives and dies with it and its copies: a device never holds on to a
  // weight of a model that is gone. One slot per device name; null until set. Thread-safe.
  std::shared_ptr<const void> prepared(std::string_view device) const;
  void set_prepared(std::string_view device, std::shared_ptr<const void> data) const;

 private:
  const gguf::TensorInfo* info_ = nullptr;
  bool ternary_ = false;
  bool from_float_ = false;  // ternary view derived by make_ternary()
  float float_scale_ = 0;    // the derived scale
  TernaryScale scale_kind_ = TernaryScale::PerRow;
  int64_t scale_block_ = 0;
  std::vector<float> row_scales_;  // [N], PerRow only
  mutable std::vector<std::pair<std::string, std::shared_ptr<const void>>> prepared_;
};

// Drops this process's mapping of the whole pages inside a tensor's bytes once a repacked copy
// replaces them, so memory holds the copy instead of both. Only for file-backed mappings (a
// model parsed from a buffer keeps its pages); the data stays valid: a later read faults the
// pages back in from the page cache.
void release_file_pages(const gguf::TensorInfo& t);

}  // namespace trit::model
