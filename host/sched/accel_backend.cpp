#include "sched/accel_backend.hpp"

#include <chrono>
#include <cstring>
#include <vector>

#include "trit/driver/open.hpp"

namespace trit::sched {

namespace {
uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }
}  // namespace

AccelBackend::AccelBackend(std::unique_ptr<driver::Device> device, const AccelOptions& opt)
    : device_(std::move(device)), opt_(opt), name_(device_->name()) {
  clock_khz_ = device_->backend().read_reg(regs::CFG_CLOCK_KHZ);
}

bool AccelBackend::supports(const model::Matrix& w) const {
  // The device computes exactly the per-row-scaled integer product; K must fit its activation
  // buffer. Anything else (float weights, per-block scales, huge K) stays on the CPU.
  return w.offloadable() && w.cols() <= device_->config().k_max && w.rows() <= UINT32_MAX;
}

void AccelBackend::prepare(const model::Matrix& w) {
  const int64_t N = w.rows(), K = w.cols();
  std::vector<int8_t> codes(static_cast<size_t>(N * K));  // [N][K]
  for (int64_t n = 0; n < N; ++n) w.row_codes(n, codes.data() + n * K);
  const driver::Weights uploaded =
      device_->upload_weights(codes, static_cast<uint32_t>(N), static_cast<uint32_t>(K), opt_.format);
  stats_.weight_bytes_uploaded += uploaded.layout.total_bytes;
  weights_[&w] = uploaded;
}

void AccelBackend::reserve_io(int64_t M, int64_t K, int64_t N) {
  const uint64_t bus = device_->config().bus_bytes;
  const uint64_t x_need = static_cast<uint64_t>(M) * round_up(static_cast<uint64_t>(K), bus);
  const uint64_t y_need = static_cast<uint64_t>(M) * round_up(static_cast<uint64_t>(N) * 4, bus);
  if (x_buf_.size < x_need) {
    if (x_buf_.size) device_->free(x_buf_);
    x_buf_ = device_->alloc(x_need);
  }
  if (y_buf_.size < y_need) {
    if (y_buf_.size) device_->free(y_buf_);
    y_buf_ = device_->alloc(y_need);
  }
}

void AccelBackend::gemm(const model::Matrix& w, const int8_t* X, int64_t M, int32_t* Y) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto it = weights_.find(&w);
  if (it == weights_.end())
    throw Error("accelerator: weight '" + std::string(w.name()) + "' was not prepared for " + name_);
  const int64_t N = w.rows(), K = w.cols();
  reserve_io(M, K, N);
  const uint32_t bus = device_->config().bus_bytes;
  const uint32_t x_stride = static_cast<uint32_t>(round_up(static_cast<uint64_t>(K), bus));
  const uint32_t y_stride = static_cast<uint32_t>(round_up(static_cast<uint64_t>(N) * 4, bus));

  // X: [M][K] -> device rows of x_stride bytes (the padding is never used by the result).
  staging_.assign(static_cast<size_t>(M) * x_stride, 0);
  for (int64_t m = 0; m < M; ++m) std::memcpy(&staging_[static_cast<size_t>(m) * x_stride], X + m * K, static_cast<size_t>(K));
  device_->write(x_buf_, 0, staging_);

  const driver::GemmDesc desc[] = {
      device_->gemm(static_cast<uint32_t>(M), x_buf_, x_stride, it->second, y_buf_, y_stride)};
  const driver::Counters before = device_->counters();
  device_->wait(device_->submit(desc), std::chrono::seconds(30));
  const driver::Counters delta = device_->counters() - before;
  for (unsigned i = 0; i < regs::kNumCounters; ++i) stats_.counters.value[i] += delta.value[i];

  // Y: device rows of y_stride bytes -> [M][N].
  for (int64_t m = 0; m < M; ++m)
    device_->read(y_buf_, static_cast<uint64_t>(m) * y_stride,
                  {reinterpret_cast<uint8_t*>(Y + m * N), static_cast<size_t>(N) * 4});
  ++stats_.gemms;
  stats_.wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::unique_ptr<AccelBackend> make_accel_backend(const std::string& device, const AccelOptions& opt) {
  driver::OpenOptions o;
  o.sim.axi.read_latency = o.sim.axi.write_latency = opt.memory_latency;
  o.sim.mem_size = opt.device_memory;
  o.ref.mem_size = opt.device_memory;
  return std::make_unique<AccelBackend>(driver::open_device(device, o), opt);
}

}  // namespace trit::sched
