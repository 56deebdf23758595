#include "model/weight.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "gguf/tensor_decode.hpp"

namespace trit::model {

namespace {

std::string tensor_ref(const gguf::TensorInfo& t) {
  return "tensor '" + std::string(t.name) + "' " + t.shape_string() + " " + gguf::type_name(t.type_id);
}

}  // namespace

Matrix::Matrix(const gguf::TensorInfo& t) : info_(&t) {
  if (t.n_dims > 2 || t.ne[2] != 1 || t.ne[3] != 1)
    throw Error(tensor_ref(t) + ": expected a matrix (at most 2 dimensions)");
  const gguf::TypeTraits* traits = gguf::type_traits(t.type_id);
  if (traits == nullptr || !traits->decodable)
    throw Error(tensor_ref(t) + ": tensor type " + gguf::type_name(t.type_id) + " is not supported by trit");
  if (!gguf::is_ternary_type(t.type_id)) return;

  ternary_ = true;
  const int64_t bad = gguf::find_invalid_code(t);
  if (bad >= 0)
    throw Error(tensor_ref(t) + ": element " + std::to_string(bad) + " (row " + std::to_string(bad / cols()) +
                ") holds the 2-bit code 3, which is not a ternary value: the file is corrupt");
  const int64_t n_rows = rows();
  const int64_t block = gguf::scale_block_elems(t.type_id);
  std::vector<float> s(block ? static_cast<size_t>(cols() / block) + 1 : 1);
  row_scales_.resize(static_cast<size_t>(n_rows));
  bool uniform = true;
  for (int64_t n = 0; n < n_rows; ++n) {
    const size_t ns = gguf::ternary_row_scales(t, static_cast<uint64_t>(n), s.data());
    for (size_t i = 0; i < ns; ++i) {
      if (!std::isfinite(s[i]))
        throw Error(tensor_ref(t) + ": row " + std::to_string(n) + " has a non-finite scale");
      if (s[i] != s[0]) uniform = false;
    }
    row_scales_[static_cast<size_t>(n)] = ns ? s[0] : 0.0f;
  }
  if (!uniform) {
    // A row with several different block scales cannot be rescaled once after the integer
    // product; keep the block scales in the file and rescale per block on the CPU.
    scale_kind_ = TernaryScale::PerBlock;
    scale_block_ = block;
    row_scales_.clear();
  }
}

void Matrix::row_f32(int64_t n, float* out) const {
  if (from_float_) {
    std::vector<int8_t> codes(static_cast<size_t>(cols()));
    row_codes(n, codes.data());
    for (int64_t k = 0; k < cols(); ++k) out[k] = float_scale_ * codes[static_cast<size_t>(k)];
    return;
  }
  gguf::dequantize_row(*info_, static_cast<uint64_t>(n), out);
}

const float* Matrix::row_f32_in_place(int64_t n) const {
  if (from_float_ || info_->type() != gguf::TensorType::F32) return nullptr;
  const uint8_t* p = info_->data + static_cast<uint64_t>(n) * info_->row_bytes;
  if (reinterpret_cast<uintptr_t>(p) % alignof(float) != 0) return nullptr;
  return reinterpret_cast<const float*>(p);
}

void Matrix::row_codes(int64_t n, int8_t* out) const {
  if (from_float_) {
    std::vector<float> row(static_cast<size_t>(cols()));
    gguf::dequantize_row(*info_, static_cast<uint64_t>(n), row.data());
    const float half = 0.5f * float_scale_;
    for (int64_t k = 0; k < cols(); ++k) {
      const float w = row[static_cast<size_t>(k)];
      out[k] = static_cast<int8_t>(std::fabs(w) < half ? 0 : (w < 0 ? -1 : 1));
    }
    return;
  }
  gguf::ternary_row_codes(*info_, static_cast<uint64_t>(n), out);
}

void Matrix::row_block_scales(int64_t n, float* out) const {
  gguf::ternary_row_scales(*info_, static_cast<uint64_t>(n), out);
}

std::string Matrix::not_offloadable_reason() const {
  if (offloadable()) return {};
  if (!ternary_)
    return gguf::type_name(info_->type_id) +
           " weights are not ternary (only int8 x ternary products run there; --force-int8 ternarises float "
           "weights)";
  return "its " + gguf::type_name(info_->type_id) + " block scales differ within a row (blocks of " +
         std::to_string(scale_block_) + "), which needs a rescale per block (the CPU's blockwise path)";
}

bool Matrix::make_ternary() {
  if (ternary_) return true;
  if (!gguf::is_float_type(info_->type_id))
    throw Error(tensor_ref(*info_) + ": only float-stored matrices can be forced onto the int8 path");
  std::vector<float> row(static_cast<size_t>(cols()));
  float absmax = 0;
  for (int64_t n = 0; n < rows(); ++n) {
    gguf::dequantize_row(*info_, static_cast<uint64_t>(n), row.data());
    for (float w : row) absmax = std::max(absmax, std::fabs(w));
  }
  bool exact = true;
  for (int64_t n = 0; n < rows() && exact; ++n) {
    gguf::dequantize_row(*info_, static_cast<uint64_t>(n), row.data());
    for (float w : row) exact = exact && (w == 0 || std::fabs(w) == absmax);
  }
  ternary_ = true;
  from_float_ = true;
  float_scale_ = absmax;
  scale_kind_ = TernaryScale::PerRow;
  row_scales_.assign(static_cast<size_t>(rows()), absmax);
  return exact;
}

double Matrix::stored_bits_per_weight() const {
  const gguf::TypeTraits* traits = gguf::type_traits(info_->type_id);
  if (info_->n_elements() == 0) return traits ? 8.0 * static_cast<double>(traits->block_bytes) / traits->block_elems : 0;
  return 8.0 * static_cast<double>(info_->n_bytes) / static_cast<double>(info_->n_elements());
}

namespace {
// Guards every Matrix's prepared_ slots (touched at load and once per device call).
std::mutex g_prepared_mu;
}  // namespace

std::shared_ptr<const void> Matrix::prepared(std::string_view device) const {
  std::lock_guard<std::mutex> lock(g_prepared_mu);
  for (const auto& [name, data] : prepared_)
    if (name == device) return data;
  return nullptr;
}

void Matrix::set_prepared(std::string_view device, std::shared_ptr<const void> data) const {
  std::lock_guard<std::mutex> lock(g_prepared_mu);
  for (auto& [name, slot] : prepared_)
    if (name == device) {
      slot = std::move(data);
      return;
    }
  prepared_.emplace_back(std::string(device), std::move(data));
}

namespace {

// Whether [p, p + n) lies in one file-backed mapping (per /proc/self/maps). Only such pages may
// be dropped with MADV_DONTNEED: for anonymous memory that would zero the data.
bool file_backed(const uint8_t* p, size_t n) {
  FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return false;
  bool backed = false;
  char line[512];
  const auto a = reinterpret_cast<uintptr_t>(p), b = a + n;
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long lo = 0, hi = 0, inode = 0;
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %*s %*s %*s %lu %n", &lo, &hi, &inode, &path_at) < 3) continue;
    if (a >= lo && b <= hi) {
      backed = inode != 0 && line[path_at] == '/';
      break;
    }
  }
  std::fclose(maps);
  return backed;
}

}  // namespace

void release_file_pages(const gguf::TensorInfo& t) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(t.data) + page - 1) / page * page;
  const uintptr_t hi = (reinterpret_cast<uintptr_t>(t.data) + t.n_bytes) / page * page;
  if (hi <= lo || !file_backed(t.data, t.n_bytes)) return;
  madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

}  // namespace trit::model
