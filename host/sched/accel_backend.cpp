#include "sched/accel_backend.hpp"

#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "kernels/ternary_gemm.hpp"
#include "trit/driver/open.hpp"

namespace trit::sched {

AccelBackend::AccelBackend(std::unique_ptr<driver::Device> device, const AccelOptions& opt)
    : device_(std::move(device)), opt_(opt), name_(device_->info().backend), group_(*device_) {
  clock_khz_ = device_->info().clock_khz;
  if (!device_->info().supports(opt_.format))
    throw Error(fmt::format("{}: the device does not support weight format {} (CFG_FORMATS = 0x{:x})", name_,
                            regs::to_string(opt_.format), device_->info().formats));
  counters0_ = device_->counters();
  cycles0_ = device_->backend().cycles();
}

std::string AccelBackend::unsupported(const model::Matrix& w) const {
  if (!w.offloadable()) return w.not_offloadable_reason();
  if (w.rows() > UINT32_MAX) return fmt::format("N = {} outputs exceed the descriptor's 32-bit field", w.rows());
  if (w.cols() > (int64_t{1} << 24))
    return fmt::format("K = {} exceeds 2^24 (int32 accumulators could overflow)", w.cols());
  return {};
}

void AccelBackend::prepare(const model::Matrix& w) {
  if (weights_.count(&w)) return;
  const int64_t N = w.rows(), K = w.cols();
  std::vector<int8_t> codes(static_cast<size_t>(N * K));  // [N][K]
  for (int64_t n = 0; n < N; ++n) w.row_codes(n, codes.data() + n * K);
  try {
    driver::MatrixWeights m =
        device_->upload_matrix(codes, static_cast<uint32_t>(N), static_cast<uint32_t>(K), opt_.format);
    stats_.weight_bytes_uploaded += m.device_bytes();
    if (m.parts.size() > 1) ++stats_.split_matrices;
    weights_.emplace(&w, std::move(m));
  } catch (const driver::DriverError& e) {
    throw Error(fmt::format("{}: uploading {} ({} x {}): {}", name_, w.name(), N, K, e.what()));
  }
}

const driver::MatrixWeights* AccelBackend::device_matrix(const model::Matrix& w) const {
  const auto it = weights_.find(&w);
  return it == weights_.end() ? nullptr : &it->second;
}

const driver::MatrixWeights& AccelBackend::matrix(const model::Matrix& w) const {
  const driver::MatrixWeights* m = device_matrix(w);
  if (!m) throw Error(fmt::format("{}: weight '{}' was not prepared for this device", name_, w.name()));
  return *m;
}

void AccelBackend::set_recording(bool on) { recording_ = on; }

void AccelBackend::run(std::span<const Job> jobs, const int8_t* X, const float* x_scale, int64_t M) {
  if (jobs.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  SubmissionRecord rec;
  if (recording_) {
    for (const Job& j : jobs) {
      rec.weights.emplace_back(j.w->name());
      rec.shapes.emplace_back(static_cast<uint32_t>(j.w->rows()), static_cast<uint32_t>(j.w->cols()));
      const uint64_t passes = (static_cast<uint64_t>(M) + device_->config().rows - 1) / device_->config().rows;
      rec.weight_bytes.push_back(matrix(*j.w).device_bytes() * passes);
    }
    rec.m = static_cast<uint32_t>(M);
    rec.counters = device_->counters();
    rec.cycles = device_->backend().cycles();
  }
  const int64_t K = jobs[0].w->cols();
  std::vector<driver::GemmGroup::Output> outs;
  outs.reserve(jobs.size());
  size_t total = 0;
  for (const Job& j : jobs) total += static_cast<size_t>(M * j.w->rows());
  acc_.resize(total);
  size_t off = 0;
  for (const Job& j : jobs) {
    outs.push_back({&matrix(*j.w), acc_.data() + off});
    off += static_cast<size_t>(M * j.w->rows());
  }
  const uint64_t descs_before = group_.stats().descriptors;
  group_.run(outs, X, static_cast<uint32_t>(M), static_cast<uint32_t>(K));
  ++stats_.submissions;
  stats_.gemms += group_.stats().descriptors - descs_before;
  if (recording_) {
    // Cycles first: the counter reads themselves take register-access cycles.
    rec.cycles = device_->backend().cycles() - rec.cycles;
    rec.counters = device_->counters() - rec.counters;
    rec.descriptors = group_.stats().descriptors - descs_before;
  }
  // The CPU device's epilogue, exactly: y = float(acc) / s_x * w_scale.
  off = 0;
  for (const Job& j : jobs) {
    const int64_t N = j.w->rows();
    for (int64_t m = 0; m < M; ++m)
      kernels::rescale_i32(acc_.data() + off + static_cast<size_t>(m * N), N, x_scale[m], j.w->row_scales(),
                           j.y + m * N);
    off += static_cast<size_t>(M * N);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stats_.wall_s += wall;
  if (recording_) {
    rec.wall_s = wall;
    records_.push_back(std::move(rec));
  }
}

void AccelBackend::gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) {
  const auto t0 = std::chrono::steady_clock::now();
  const driver::GemmGroup::Output out[] = {{&matrix(w), Y}};
  const uint64_t descs_before = group_.stats().descriptors;
  group_.run(out, X, static_cast<uint32_t>(M), static_cast<uint32_t>(w.cols()));
  ++stats_.submissions;
  stats_.gemms += group_.stats().descriptors - descs_before;
  stats_.wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

AccelStats AccelBackend::stats() {
  AccelStats s = stats_;
  s.counters = device_->counters() - counters0_;
  s.cycles = device_->backend().cycles() - cycles0_;
  s.transfers = group_.stats();
  return s;
}

std::unique_ptr<AccelBackend> make_accel_backend(const std::string& device, const AccelOptions& opt) {
  driver::OpenOptions o;
  o.memory_latency = opt.memory_latency;
  o.memory_bytes = opt.device_memory;
  o.params = opt.params;
  o.trace_path = opt.trace_path;
  return std::make_unique<AccelBackend>(driver::open_device(device, o), opt);
}

}  // namespace trit::sched
