#include "vp_backend.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <fmt/format.h>

#include "trit/driver/errors.hpp"
#include "trit/regs.hpp"

extern char** environ;

namespace trit::driver {

namespace bip = boost::interprocess;
namespace fs = std::filesystem;
using vp_link::Op;
using vp_link::Request;
using vp_link::Response;
using vp_link::Status;

namespace {

// Queues hold one message each way at a time (the protocol is strictly request/response) plus
// room for the Hello.
constexpr size_t kQueueDepth = 4;
// How often a wait on the platform looks whether the process is still there.
constexpr auto kPollSlice = std::chrono::milliseconds(50);

std::string unique_prefix() {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("trit-vp-{}-{}", getpid(), counter++);
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kReadReg: return "register read";
    case Op::kWriteReg: return "register write";
    case Op::kWaitIrq: return "interrupt wait";
    case Op::kRun: return "run";
    case Op::kHardReset: return "reset";
    case Op::kInjectError: return "error injection";
    case Op::kClearErrors: return "error clearing";
    case Op::kStats: return "statistics";
    case Op::kStop: return "stop";
    case Op::kHang: return "hang";
    case Op::kFreeze: return "memory freeze";
  }
  return "request";
}

// The platform's executable: the one given, else $TRIT_VP, else trit-vp-<config> (a configuration
// built on its own, like the bench one) or trit-vp, looked for beside this program (an installed
// or copied bin/) and then in the build tree's bin/ (TRIT_VP_EXE, set when the platform is in
// this build).
fs::path find_executable(const std::string& given, const std::string& config) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("TRIT_VP")) return env;
  std::vector<fs::path> dirs;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path());
#ifdef TRIT_VP_EXE
  dirs.push_back(fs::path(TRIT_VP_EXE).parent_path());
#endif
  for (const fs::path& dir : dirs) {
    if (!config.empty() && fs::exists(dir / ("trit-vp-" + config), ec)) return dir / ("trit-vp-" + config);
    if (fs::exists(dir / "trit-vp", ec)) return dir / "trit-vp";
  }
  return {};
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "stopped";
}

}  // namespace

struct VpBackend::Ipc {
  std::string prefix;
  bip::shared_memory_object shm;
  bip::mapped_region region;
  std::unique_ptr<bip::message_queue> req, resp;

  explicit Ipc(std::string p, uint64_t mem_size) : prefix(std::move(p)) {
    remove_all();
    shm = bip::shared_memory_object(bip::create_only, vp_link::mem_name(prefix).c_str(), bip::read_write);
    shm.truncate(static_cast<bip::offset_t>(mem_size));
    region = bip::mapped_region(shm, bip::read_write);
    req = std::make_unique<bip::message_queue>(bip::create_only, vp_link::req_name(prefix).c_str(), kQueueDepth,
                                               sizeof(Request));
    resp = std::make_unique<bip::message_queue>(bip::create_only, vp_link::resp_name(prefix).c_str(), kQueueDepth,
                                                sizeof(Response));
  }
  ~Ipc() { remove_all(); }
  void remove_all() {
    bip::shared_memory_object::remove(vp_link::mem_name(prefix).c_str());
    bip::message_queue::remove(vp_link::req_name(prefix).c_str());
    bip::message_queue::remove(vp_link::resp_name(prefix).c_str());
  }
};

VpBackend::VpBackend(const VpOptions& opt) : opt_(opt), prefix_(unique_prefix()) {
  if (opt_.memory_model != "simple" && opt_.memory_model != "dram")
    throw ConfigError(fmt::format("vp: memory_model '{}' (simple or dram)", opt_.memory_model));
  if (opt_.memory_model == "dram" && opt_.dram_preset.empty())
    throw ConfigError("vp: memory_model=dram needs dram_preset=<name or file> (presets: ddr4-2400-x64, lpddr4-4266-x32)");
  const fs::path exe = find_executable(opt_.executable, opt_.config);
  if (exe.empty())
    throw ConfigError("vp: trit-vp (the virtual platform's process) is not built; build it with "
                      "`cmake --build build --target trit-vp`, or set TRIT_VP to its path");
  try {
    ipc_ = std::make_unique<Ipc>(prefix_, opt_.mem_size);
  } catch (const bip::interprocess_exception& e) {
    throw ConfigError(fmt::format("vp: cannot create the shared memory and queues '{}-*': {}", prefix_, e.what()));
  }
  mem_ = std::make_unique<DeviceMemory>(
      opt_.mem_base, std::span<uint8_t>(static_cast<uint8_t*>(ipc_->region.get_address()), opt_.mem_size));

  std::vector<std::string> args = {exe.string(),
                                   "--link", prefix_,
                                   "--mem-base", std::to_string(opt_.mem_base),
                                   "--mem-size", std::to_string(opt_.mem_size),
                                   "--memory-model", opt_.memory_model,
                                   "--read-latency", std::to_string(opt_.read_latency),
                                   "--write-latency", std::to_string(opt_.write_latency),
                                   "--max-reads", std::to_string(opt_.max_reads),
                                   "--max-writes", std::to_string(opt_.max_writes),
                                   "--reg-timeout-cycles", std::to_string(opt_.reg_timeout_cycles)};
  if (!opt_.config.empty()) args.insert(args.end(), {"--config", opt_.config});
  if (!opt_.dram_preset.empty()) args.insert(args.end(), {"--dram-preset", opt_.dram_preset});
  if (!opt_.trace_path.empty()) args.insert(args.end(), {"--trace", opt_.trace_path});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The platform inherits the environment, without SystemC's banner on every start.
  std::string quiet = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1";
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(quiet.data());
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    pid_ = -1;
    throw ConfigError(fmt::format("vp: cannot start {}: {}", argv[0], std::strerror(rc)));
  }
  try {
    const Response hello = receive("start-up", opt_.start_timeout_s, 0);
    if (hello.status == Status::kError) throw ConfigError(fmt::format("vp: {}", hello.message));
    if (hello.status != Status::kHello)
      throw DriverError(fmt::format("vp: trit-vp (pid {}) answered its start with status {}", pid_,
                                    static_cast<uint32_t>(hello.status)));
    config_name_ = hello.message;
    cycles_ = hello.cycles;
    clock_khz_ = read_reg(regs::CFG_CLOCK_KHZ);
  } catch (...) {
    stop_process();
    throw;
  }
}

VpBackend::~VpBackend() { stop_process(); }

std::string VpBackend::name() const { return "vp:" + config_name_; }

void VpBackend::stop_process() {
  if (pid_ <= 0) return;
  if (!dead_) {
    try {
      Request r;
      r.op = Op::kStop;
      r.seq = ++seq_;
      ipc_->req->try_send(&r, sizeof r, 0);
    } catch (const bip::interprocess_exception&) {
    }
  }
  // Give it a moment to end sc_main (closing a waveform file can take a while), then make sure.
  int status = 0;
  const int polls = opt_.trace_path.empty() ? 250 : 6000;  // x 20 ms
  for (int i = 0; i < polls; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void VpBackend::fail_dead(const char* what) {
  throw DeviceError(regs::ErrCode::NONE, 0, 0,
                    fmt::format("vp: the platform process trit-vp {} during the {}; open the device again to start a "
                                "new one",
                                death_, what));
}

// The process has ended (reaped with `status`): remember why, forget the pid.
void VpBackend::mark_dead(const std::string& why) {
  death_ = fmt::format("(pid {}) {}", pid_, why);
  dead_ = true;
  pid_ = -1;
}

Response VpBackend::receive(const char* what, double timeout_s, uint64_t seq) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  Response r;
  for (;;) {
    size_t got = 0;
    unsigned prio = 0;
    const auto until = boost::posix_time::microsec_clock::universal_time() +
                       boost::posix_time::milliseconds(kPollSlice.count());
    if (ipc_->resp->timed_receive(&r, sizeof r, got, prio, until)) {
      if (got != sizeof r || r.magic != vp_link::kMagic)
        throw DriverError(fmt::format("vp: trit-vp (pid {}) sent a malformed answer to the {} ({} bytes); is it "
                                      "from another build?",
                                      pid_, what, got));
      if (r.status != Status::kHello && r.seq != seq) continue;  // a late answer to an abandoned request
      return r;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      mark_dead(describe_exit(status));
      if (seq == 0)
        throw ConfigError(fmt::format("vp: the platform process trit-vp {} before it was ready (see its messages "
                                      "above)",
                                      death_));
      fail_dead(what);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      mark_dead(fmt::format("did not answer within {:g} s and was killed", timeout_s));
      throw TimeoutError(fmt::format("vp: the platform process trit-vp {} during the {} (request_timeout_s / "
                                     "start_timeout_s); open the device again to start a new one",
                                     death_, what));
    }
  }
}

Response VpBackend::call(Op op, uint64_t a, uint64_t b, uint64_t c) {
  if (dead_)
    throw DeviceError(regs::ErrCode::NONE, 0, 0,
                      fmt::format("vp: the platform process trit-vp {}; open the device again to start a new one",
                                  death_));  // and nothing more is sent to it
  Request r;
  r.op = op;
  r.seq = ++seq_;
  r.a = a;
  r.b = b;
  r.c = c;
  // The queue has room (one request in flight at a time); a full queue means a stuck platform.
  const auto until = boost::posix_time::microsec_clock::universal_time() + boost::posix_time::seconds(5);
  if (!ipc_->req->timed_send(&r, sizeof r, 0, until)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      mark_dead(describe_exit(status));
      fail_dead(op_name(op));
    }
    throw TimeoutError(fmt::format("vp: trit-vp (pid {}) does not take requests (queue full)", pid_));
  }
  Response resp = receive(op_name(op), opt_.request_timeout_s, r.seq);
  cycles_ = resp.cycles;
  if (resp.status == Status::kTimeout) throw TimeoutError(fmt::format("vp:{}: {}", config_name_, resp.message));
  if (resp.status == Status::kError)
    throw DriverError(fmt::format("vp:{}: the platform failed the {}: {}", config_name_, op_name(op), resp.message));
  return resp;
}

uint32_t VpBackend::read_reg(uint32_t offset) { return static_cast<uint32_t>(call(Op::kReadReg, offset).value); }

void VpBackend::write_reg(uint32_t offset, uint32_t value) { call(Op::kWriteReg, offset, value); }

void VpBackend::write_mem(uint64_t addr, std::span<const uint8_t> data) {
  if (dead_) call(Op::kRun);  // throws with the reason
  mem_->write(addr, data);
}

void VpBackend::read_mem(uint64_t addr, std::span<uint8_t> out) {
  if (dead_) call(Op::kRun);
  mem_->read(addr, out);
}

bool VpBackend::wait_irq(std::chrono::nanoseconds timeout) {
  const uint64_t khz = clock_khz_ ? clock_khz_ : 250000;  // nominal when the build says 0 (as sim)
  const uint64_t budget = std::max<uint64_t>(1, static_cast<uint64_t>(timeout.count()) * khz / 1000000);
  return call(Op::kWaitIrq, budget).irq != 0;
}

void VpBackend::hard_reset() {
  call(Op::kHardReset);
  clock_khz_ = read_reg(regs::CFG_CLOCK_KHZ);
}

void VpBackend::run(uint64_t cycles) { call(Op::kRun, cycles); }

void VpBackend::inject_error(uint64_t lo, uint64_t hi, bool on_read, bool on_write, uint32_t resp) {
  call(Op::kInjectError, lo, hi, (on_read ? 1u : 0u) | (on_write ? 2u : 0u) | (uint64_t{resp} << 8));
}

void VpBackend::clear_errors() { call(Op::kClearErrors); }

void VpBackend::freeze(bool on) { call(Op::kFreeze, on ? 1 : 0); }

std::string VpBackend::memory_stats() { return call(Op::kStats).message; }

void VpBackend::inject_hang() {
  Request r;
  r.op = Op::kHang;
  r.seq = ++seq_;
  ipc_->req->send(&r, sizeof r, 0);  // unanswered by design
}

}  // namespace trit::driver
