// trit-accel-simcheck: a fixed, seeded set of GEMMs on a Verilated configuration (by default the
// bench configuration r8c20v16b512), run through the driver (Device::submit / wait) exactly as
// trit-accel-bench does, recording for each submission everything that must not change when the
// simulation is made faster:
//
//   * cycles from the doorbell to the completion seen by wait() (Backend::cycles() delta),
//   * every performance counter (Device::counters() delta),
//   * a checksum of the output buffers (and a check against the direct product),
//   * at the end: the backend's total cycle count and the AXI memory model's statistics.
//
// That record (`--out`) is deterministic; compare it with a saved one (`--expect`) after any
// change to the Verilator flags, the harness or the memory model: it must be identical. The
// wall-clock numbers (simulated cycles per second, decode and prefill) are printed on stdout only.
//
// The set: the BitNet b1.58 2B4T decode GEMVs (M = 1; N x K = 2560x2560, 640x2560, 6912x2560,
// 2560x6912) in T5 and T2, each alone and three queued in one submission, then one small prefill
// (M = 16, 640x2560, T5). About 1.2 M simulated cycles at the bench configuration.
//
//   trit-accel-simcheck --out base.txt            # record
//   trit-accel-simcheck --expect base.txt         # record again and compare (exit 1 on change)
//
// sim/tools/accel_simcheck.expected is the record of the defaults (r8c20v16b512, latency 100,
// seed 1) made before the simulation-speed work; the test accel.simcheck.r8c20v16b512 (and
// `cmake --build build --target check-simspeed`) compares with it, about 10 s of simulation. A
// deliberate change of the RTL's timing records it again (--out) in the same commit. So does a
// new counter: besides its own field, Device::counters() reads it (LO and HI, 2 cycles each), so
// each submission's CNT_CYCLES, which spans the rest of the `before` snapshot, grows by 4 cycles
// per added counter, and total_cycles by 8 per counter and submission (the doorbell-to-completion
// cycles and every other counter stay as they were). The
// wall-clock rate depends on what else the machine runs; the CPU-time rate printed beside it
// much less.

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "sim_control.hpp"
#include "trit/driver/device.hpp"
#include "trit/driver/open.hpp"

using namespace trit;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time of this thread: on a machine shared with other jobs, the wall-clock rate depends on
// their load; the CPU-time rate much less so. Both are printed.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Shape {
  const char* name;
  uint32_t n, k;
};
constexpr Shape kDecodeShapes[] = {{"attn_qo", 2560, 2560}, {"attn_kv", 640, 2560}, {"ffn_gate_up", 6912, 2560},
                                   {"ffn_down", 2560, 6912}};

uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = 0xcbf29ce484222325ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

class Check {
 public:
  Check(driver::Device& dev, uint64_t seed) : dev_(dev), rng_(seed) {}

  // Only the raw 64-bit engine output is used (std::mt19937_64 is specified exactly; the
  // standard distributions are not), so the operands are the same with every standard library.
  driver::Weights weights(const Shape& s, driver::WeightFormat f, std::vector<int8_t>& w) {
    w.resize(uint64_t{s.n} * s.k);
    for (auto& v : w) {
      const uint64_t r = rng_() % 10;  // 40 % zeros, 30 % +1, 30 % -1
      v = r < 4 ? 0 : (r < 7 ? 1 : -1);
    }
    return dev_.upload_weights(w, s.n, s.k, f);
  }

  struct Op {
    driver::Buffer x, y;
    std::vector<int8_t> xv;
    uint32_t m, n, k, x_stride, y_stride;
  };
  Op operand(uint32_t m, const Shape& s) {
    Op o;
    o.m = m;
    o.n = s.n;
    o.k = s.k;
    o.x_stride = dev_.config().x_stride(s.k);
    o.y_stride = dev_.config().y_stride(s.n);
    o.xv.resize(uint64_t{m} * s.k);
    for (auto& v : o.xv) v = static_cast<int8_t>(rng_() >> 56);
    o.x = dev_.alloc(uint64_t{m} * o.x_stride);
    o.y = dev_.alloc(uint64_t{m} * o.y_stride);
    std::vector<uint8_t> xrow(o.x_stride, 0);
    for (uint32_t r = 0; r < m; ++r) {
      std::copy_n(reinterpret_cast<const uint8_t*>(&o.xv[uint64_t{r} * s.k]), s.k, xrow.begin());
      dev_.write(o.x, uint64_t{r} * o.x_stride, xrow);
    }
    std::vector<uint8_t> yinit(uint64_t{m} * o.y_stride, 0xa5);  // unwritten bytes show up in the checksum
    dev_.write(o.y, 0, yinit);
    return o;
  }
  void free(const Op& o) {
    dev_.free(o.x);
    dev_.free(o.y);
  }

  // One submission: records cycles, counter deltas and the outputs' checksums and correctness.
  void run(const std::string& label, const driver::Weights& w, const std::vector<int8_t>& wv,
           const std::vector<Op>& ops) {
    std::vector<driver::GemmDesc> ds;
    for (const Op& o : ops) ds.push_back(dev_.gemm(o.m, o.x, o.x_stride, w, o.y, o.y_stride));
    const driver::Counters before = dev_.counters();
    const uint64_t c0 = dev_.backend().cycles();
    const auto t0 = Clock::now();
    const double cpu0 = thread_cpu_s();
    dev_.wait(dev_.submit(ds), std::chrono::seconds(60));
    const double cpu = thread_cpu_s() - cpu0;
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const uint64_t cycles = dev_.backend().cycles() - c0;
    const driver::Counters delta = dev_.counters() - before;

    std::string sums;
    bool ok = true;
    for (const Op& o : ops) {
      std::vector<uint8_t> y(uint64_t{o.m} * o.y_stride);
      dev_.read(o.y, 0, y);
      sums += fmt::format(" {:016x}", fnv1a(y.data(), y.size()));
      for (uint32_t r = 0; r < o.m; ++r) {
        const int8_t* x = &o.xv[uint64_t{r} * o.k];
        for (uint32_t n = 0; n < o.n; ++n) {
          const int8_t* wr = &wv[uint64_t{n} * o.k];
          int32_t acc = 0;
          for (uint32_t k = 0; k < o.k; ++k) acc += x[k] * wr[k];
          int32_t got;
          std::memcpy(&got, &y[uint64_t{r} * o.y_stride + 4ull * n], 4);
          ok &= got == acc;
        }
      }
    }
    all_ok_ &= ok;
    record_ << fmt::format("{} cycles={} {} y{} {}\n", label, cycles, delta.to_string(), sums,
                           ok ? "correct" : "WRONG");
    fmt::print("{:<40} {:>8} cycles {:>7.3f} s {:>8.0f} cycles/s {}\n", label, cycles, wall, cycles / wall,
               ok ? "" : "WRONG");
    const bool decode = ops.front().m == 1;
    (decode ? decode_wall_ : prefill_wall_) += wall;
    (decode ? decode_cpu_ : prefill_cpu_) += cpu;
    (decode ? decode_cycles_ : prefill_cycles_) += cycles;
  }

  std::ostringstream record_;
  bool all_ok_ = true;
  double decode_wall_ = 0, prefill_wall_ = 0, decode_cpu_ = 0, prefill_cpu_ = 0;
  uint64_t decode_cycles_ = 0, prefill_cycles_ = 0;

 private:
  driver::Device& dev_;
  std::mt19937_64 rng_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fixed GEMM set on a Verilated configuration: cycle/counter/result record and simulation speed"};
  std::string config = "r8c20v16b512", out, expect;
  uint32_t latency = 100;
  uint64_t seed = 1;
  app.add_option("--config", config, "Array configuration (rtl/configs.json)");
  app.add_option("--latency", latency, "Memory latency in cycles");
  app.add_option("--seed", seed, "Seed of the operands");
  app.add_option("-o,--out", out, "Write the deterministic record here");
  app.add_option("--expect", expect, "Compare the record with this file; exit 1 if it differs");
  bool quick = false;
  app.add_flag("--quick", quick,
               "Only the 640x2560 T5 decode cases (for profilers and instruction counts; the record is "
               "not the full one)");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto start = Clock::now();
    driver::OpenOptions opt;  // as trit-accel-bench
    opt.memory_latency = latency;
    opt.memory_bytes = 1ull << 30;
    opt.params = {{"max_reads", "32"}, {"max_writes", "16"}};
    auto dev_ptr = driver::open_device("sim:" + config, opt);
    driver::Device& dev = *dev_ptr;
    Check chk(dev, seed);
    chk.record_ << fmt::format("trit-accel-simcheck config={} latency={} seed={} open_cycles={}\n", config, latency,
                               seed, dev.backend().cycles());

    for (const auto f : {driver::WeightFormat::T5, driver::WeightFormat::T2}) {
      for (const Shape& s : kDecodeShapes) {
        if (quick && (f != driver::WeightFormat::T5 || s.n != 640)) continue;
        std::vector<int8_t> wv;
        const driver::Weights w = chk.weights(s, f, wv);
        const std::string base = fmt::format("{} {} {}x{} m=1", regs::to_string(f), s.name, s.n, s.k);
        const Check::Op one = chk.operand(1, s);
        chk.run(base + " alone", w, wv, {one});
        std::vector<Check::Op> three = {chk.operand(1, s), chk.operand(1, s), chk.operand(1, s)};
        chk.run(base + " queued3", w, wv, three);
        chk.free(one);
        for (auto& o : three) chk.free(o);
        dev.free(w);
      }
    }
    if (!quick) {
      const Shape s{"attn_kv", 640, 2560};
      std::vector<int8_t> wv;
      const driver::Weights w = chk.weights(s, driver::WeightFormat::T5, wv);
      const Check::Op o = chk.operand(16, s);
      chk.run("T5 attn_kv 640x2560 m=16 prefill", w, wv, {o});
      chk.free(o);
      dev.free(w);
    }

    auto* sc = dynamic_cast<sim::SimControl*>(&dev.backend());
    chk.record_ << fmt::format("total_cycles={}\n", dev.backend().cycles());
    if (sc) {
      const sim::AxiStats& st = sc->axi().stats();
      chk.record_ << fmt::format(
          "axi cycles={} read_bursts={} read_beats={} write_bursts={} write_beats={} write_bytes={} "
          "max_reads_outstanding={} violations={}\n",
          st.cycles, st.read_bursts, st.read_beats, st.write_bursts, st.write_beats, st.write_bytes,
          st.max_reads_outstanding, sc->axi().violations().size());
      for (const auto& v : sc->axi().violations()) chk.record_ << "violation: " << v << "\n";
    }
    const double total = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("\ndecode (M = 1): {} cycles in {:.3f} s = {:.0f} cycles/s ({:.3f} s CPU = {:.0f} cycles per CPU s)\n",
               chk.decode_cycles_, chk.decode_wall_, chk.decode_cycles_ / chk.decode_wall_, chk.decode_cpu_,
               chk.decode_cycles_ / chk.decode_cpu_);
    if (!quick) fmt::print("prefill (M = 16): {} cycles in {:.3f} s = {:.0f} cycles/s ({:.3f} s CPU = {:.0f} cycles per CPU s)\n",
               chk.prefill_cycles_, chk.prefill_wall_, chk.prefill_cycles_ / chk.prefill_wall_, chk.prefill_cpu_,
               chk.prefill_cycles_ / chk.prefill_cpu_);
    fmt::print("whole run: {:.3f} s wall; results checked against direct math: {}\n", total,
               chk.all_ok_ ? "correct" : "WRONG");
    // One line for scripts: decode cycles/s.
    fmt::print("SIMCHECK decode_cycles_per_s={:.0f} prefill_cycles_per_s={:.0f} decode_cycles_per_cpu_s={:.0f} "
               "prefill_cycles_per_cpu_s={:.0f}\n",
               chk.decode_cycles_ / chk.decode_wall_, chk.prefill_cycles_ / chk.prefill_wall_,
               chk.decode_cycles_ / chk.decode_cpu_, chk.prefill_cycles_ / chk.prefill_cpu_);

    const std::string rec = chk.record_.str();
    if (!out.empty()) std::ofstream(out) << rec;
    bool same = true;
    if (!expect.empty()) {
      std::ifstream in(expect);
      if (!in) throw std::runtime_error("cannot read " + expect);
      std::stringstream ss;
      ss << in.rdbuf();
      same = ss.str() == rec;
      if (!same) {
        std::istringstream a(ss.str()), b(rec);
        std::string la, lb;
        for (int line = 1;; ++line) {
          la.clear();
          lb.clear();
          const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
          if (!ga && !gb) break;
          if (la != lb) {
            fmt::print(stderr, "record differs from {} at line {}:\n  expected: {}\n  got:      {}\n", expect, line,
                       la, lb);
            break;
          }
        }
      } else {
        fmt::print("record identical to {}\n", expect);
      }
    }
    return chk.all_ok_ && same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
