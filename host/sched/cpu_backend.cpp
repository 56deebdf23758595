#include "sched/cpu_backend.hpp"

#include <algorithm>
#include <vector>

#include "kernels/ternary_gemm.hpp"

namespace trit::sched {

struct CpuBackend::Packed {
  kernels::PackedTernary w;
  std::vector<float> scales;  // [N] row scales
};

namespace {

constexpr std::string_view kSlot = "cpu";

}  // namespace

void CpuBackend::prepare(const model::Matrix& w) {
  if (!w.offloadable()) throw Error("cpu: weight '" + std::string(w.name()) + "' is not per-row scaled ternary");
  const kernels::TernaryLayout layout = kernels::preferred_layout(kernels::active_variant(), w.stored_bits_per_weight());
  if (auto have = std::static_pointer_cast<const Packed>(w.prepared(kSlot)); have && have->w.layout() == layout) return;
  const int64_t N = w.rows(), K = w.cols();
  auto p = std::make_shared<Packed>();
  p->w = kernels::PackedTernary(layout, N, K);
  p->scales.resize(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) p->scales[static_cast<size_t>(n)] = w.row_scale(n);
  const int64_t groups = p->w.groups();
  pool_.parallel_for(0, groups, 4, [&](int64_t g0, int64_t g1) {
    std::vector<int8_t> codes(static_cast<size_t>(kernels::kPackRows * K));  // [16][K]
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t r0 = g * kernels::kPackRows, r1 = std::min(N, r0 + kernels::kPackRows);
      for (int64_t r = r0; r < r1; ++r) w.row_codes(r, codes.data() + (r - r0) * K);
      p->w.pack_group(g, codes.data(), K);
    }
  });
  w.set_prepared(kSlot, p);
  model::release_file_pages(w.info());
}

std::shared_ptr<const CpuBackend::Packed> CpuBackend::packed(const model::Matrix& w) {
  auto p = std::static_pointer_cast<const Packed>(w.prepared(kSlot));
  if (!p) {
    prepare(w);
    p = std::static_pointer_cast<const Packed>(w.prepared(kSlot));
  }
  return p;
}

size_t CpuBackend::packed_bytes(const model::Matrix& w) {
  const auto p = std::static_pointer_cast<const Packed>(w.prepared(kSlot));
  return p ? p->w.bytes() : 0;
}

void CpuBackend::run_packed(std::span<const PackedJob> jobs, int64_t K, const int8_t* X, int64_t M, const float* x_scale) {
  const int64_t ldxp = jobs[0].p->w.cols_padded();
  for (const PackedJob& j : jobs)
    if (j.p->w.cols() != K || j.p->w.cols_padded() != ldxp)
      throw Error("cpu: weights of one batched call must share their input width");
  x_pad_.resize(static_cast<size_t>(M * ldxp));
  x_sum_.resize(static_cast<size_t>(M));
  kernels::prepare_ternary_input(X, M, K, K, x_pad_.data(), ldxp, x_sum_.data());
  const kernels::TernaryInput in{x_pad_.data(), ldxp, x_sum_.data(), M};
  // Row groups of every job, numbered consecutively.
  int64_t first[8] = {}, total = 0;
  if (jobs.size() > 7) throw Error("cpu: at most 7 weights per batched call");
  for (size_t i = 0; i < jobs.size(); ++i) {
    first[i] = total;
    total += jobs[i].p->w.groups();
  }
  first[jobs.size()] = total;
  const kernels::Variant v = kernels::active_variant();
  // Chunks of row groups taken dynamically: a few per thread, so a descheduled thread or an
  // uneven split does not leave the other core idle at the end.
  pool_.parallel_for(0, total, 4, [&](int64_t b, int64_t e) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      const int64_t lo = std::max(b, first[i]), hi = std::min(e, first[i + 1]);
      if (lo >= hi) continue;
      const PackedJob& j = jobs[i];
      const kernels::TernaryOutput out{j.y_int, j.y, j.p->w.rows(), x_scale, j.p->scales.data()};
      kernels::gemm_packed(v, j.p->w, lo - first[i], hi - first[i], in, out);
    }
  });
}

void CpuBackend::gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) {
  const auto p = packed(w);
  const PackedJob job{p.get(), Y, nullptr};
  run_packed(std::span<const PackedJob>(&job, 1), w.cols(), X, M, nullptr);
}

void CpuBackend::run(std::span<const Job> jobs, const int8_t* X, const float* x_scale, int64_t M) {
  if (jobs.empty()) return;
  std::shared_ptr<const Packed> keep[7];
  if (jobs.size() > 7) throw Error("cpu: at most 7 weights per batched call");
  for (size_t i = 0; i < jobs.size(); ++i) keep[i] = packed(*jobs[i].w);
  // A file may mix ternary types within a group (say a 2-bit ffn_gate and a 1.6-bit ffn_up):
  // their packed layouts pad K differently, so each set of weights sharing a padded width runs
  // as one parallel loop (one loop for the usual single-type file).
  bool done[7] = {};
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (done[i]) continue;
    PackedJob run_jobs[7];
    size_t n = 0;
    for (size_t j = i; j < jobs.size(); ++j)
      if (!done[j] && keep[j]->w.cols_padded() == keep[i]->w.cols_padded()) {
        run_jobs[n++] = PackedJob{keep[j].get(), nullptr, jobs[j].y};
        done[j] = true;
      }
    run_packed(std::span<const PackedJob>(run_jobs, n), jobs[0].w->cols(), X, M, x_scale);
  }
}

void CpuBackend::gemm_blockwise(const model::Matrix& w, const int8_t* X, const float* x_scales, int64_t M,
                                float* Y) {
  const int64_t N = w.rows(), K = w.cols(), B = w.scale_block();
  const int64_t n_blocks = K / B;
  pool_.parallel_for(0, N, 4, [&](int64_t n0, int64_t n1) {
    std::vector<int8_t> codes(static_cast<size_t>(K));
    std::vector<float> d(static_cast<size_t>(n_blocks));
    std::vector<int32_t> part(static_cast<size_t>(M));
    for (int64_t n = n0; n < n1; ++n) {
      w.row_codes(n, codes.data());
      w.row_block_scales(n, d.data());
      for (int64_t m = 0; m < M; ++m) Y[m * N + n] = 0;
      for (int64_t b = 0; b < n_blocks; ++b) {
        // One block of one weight row against every activation row: [M][1] int32.
        kernels::gemm_i8_ternary_ref(M, 1, B, X + b * B, K, codes.data() + b * B, B, part.data(), 1);
        for (int64_t m = 0; m < M; ++m) Y[m * N + n] += static_cast<float>(part[static_cast<size_t>(m)]) * d[static_cast<size_t>(b)];
      }
      for (int64_t m = 0; m < M; ++m) Y[m * N + n] /= x_scales[m];
    }
  });
}

}  // namespace trit::sched
