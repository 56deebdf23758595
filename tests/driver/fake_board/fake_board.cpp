#include "fake_board.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "ref/ref_backend.hpp"
#include "trit/regs.hpp"

namespace trit::testing {

namespace fs = std::filesystem;
namespace r = regs;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kRegsPhys = 0xa0000000;  // where a board's device tree would put the window
constexpr uint32_t kPoison = 0xdeadbeef;     // what a read returns when the model threw

#if defined(__x86_64__)
constexpr greg_t kTrapFlag = 0x100;          // EFLAGS.TF
constexpr greg_t kPageFaultWrite = 0x2;      // page-fault error code: the access was a write
#endif

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(fmt::format("fake board: {}: {}", what, std::strerror(errno)));
}

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p);
  out << content;
  if (!out) throw std::runtime_error("fake board: cannot write " + p.string());
}

void post(int efd) {
  const uint64_t one = 1;
  while (::write(efd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}
void take(int efd) {
  uint64_t v;
  while (::read(efd, &v, sizeof v) < 0 && errno == EINTR) {
  }
}

}  // namespace

// ---- the board -----------------------------------------------------------------------------------

class FakeBoard::Impl {
 public:
  Impl(const fs::path& root, const ModelFactory& make, uint64_t mem_base, uint64_t mem_size);
  ~Impl();

  // Called from the signal handlers, in the faulting thread.
  bool register_offset(uintptr_t addr, uint32_t* offset);
  void begin_access(bool write, uint32_t offset);
  void end_access(bool write, uint32_t offset);

  void with_model(const std::function<void(driver::Backend&)>& fn);
  uint64_t accesses() const { return accesses_.load(); }
  std::string error() const {
    std::lock_guard lock(error_mu_);
    return error_;
  }

  fs::path root, reg_node, irq_link;

 private:
  enum class Kind { read, write, call };
  uint32_t call_board(Kind kind, uint32_t offset, uint32_t value, const std::function<void(driver::Backend&)>* fn);
  void board_main();
  void serve();
  void update_active();
  void update_irq();

  // Host side of the register window.
  int reg_fd_ = -1;
  std::atomic<bool> stepping_{false};  // one access between SIGBUS and SIGTRAP at a time
  uint32_t step_value_ = 0;
  // Mappings of reg_node found in /proc/self/maps: [start, end) -> file offset.
  struct Window {
    uintptr_t start, end;
    uint64_t file_offset;
  };
  Window windows_[16]{};
  std::atomic<int> n_windows_{0};

  // DMA memory: the file and the board's mapping of it.
  int mem_fd_ = -1;
  uint8_t* mem_ = nullptr;
  uint64_t mem_size_ = 0;

  // Interrupt: the pseudo-terminal's master (ours) and slave (kept open so that the host's
  // closing it never hangs the line up).
  int pty_master_ = -1, pty_slave_ = -1;
  bool irq_unmasked_ = false;
  uint32_t irq_count_ = 0;
  uint8_t frame_[4]{};
  int frame_len_ = 0;

  // The board thread and its mailbox.
  Model model_;
  int req_efd_ = -1, done_efd_ = -1, stop_efd_ = -1;
  std::mutex slot_mu_;
  Kind slot_kind_ = Kind::read;
  uint32_t slot_offset_ = 0, slot_value_ = 0, slot_result_ = 0;
  const std::function<void(driver::Backend&)>* slot_fn_ = nullptr;
  bool active_ = false;  // a clocked model has work: keep clocking it
  std::atomic<uint64_t> accesses_{0};
  mutable std::mutex error_mu_;
  std::string error_;
  std::thread thread_;
};

namespace {

FakeBoard::Impl* g_board = nullptr;
struct sigaction g_old_bus, g_old_trap;
struct Step {
  bool active = false;
  bool write = false;
  uint32_t offset = 0;
};
thread_local Step t_step;

// Not ours: hand the signal to whoever had it before, or let the default action happen when the
// faulting instruction runs again.
void chain(int sig, siginfo_t* si, void* ctx, const struct sigaction& old) {
  if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction) {
    old.sa_sigaction(sig, si, ctx);
  } else if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
    old.sa_handler(sig);
  } else {
    signal(sig, SIG_DFL);
  }
}

#if defined(__x86_64__)
void on_sigbus(int sig, siginfo_t* si, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  uint32_t offset = 0;
  FakeBoard::Impl* board = g_board;
  if (!board || si->si_code != BUS_ADRERR || !board->register_offset(reinterpret_cast<uintptr_t>(si->si_addr), &offset)) {
    chain(sig, si, ctx, g_old_bus);
    return;
  }
  const bool write = (uc->uc_mcontext.gregs[REG_ERR] & kPageFaultWrite) != 0;
  board->begin_access(write, offset);
  t_step = {true, write, offset};
  uc->uc_mcontext.gregs[REG_EFL] |= kTrapFlag;  // trap after the one instruction
}

void on_sigtrap(int sig, siginfo_t* si, void* ctx) {
  if (!t_step.active) {
    chain(sig, si, ctx, g_old_trap);
    return;
  }
  auto* uc = static_cast<ucontext_t*>(ctx);
  uc->uc_mcontext.gregs[REG_EFL] &= ~kTrapFlag;
  t_step.active = false;
  g_board->end_access(t_step.write, t_step.offset);
}
#endif

// Minimal async-signal-safe parse of a hex number; advances p.
uint64_t parse_hex(const char*& p) {
  uint64_t v = 0;
  for (;; ++p) {
    const char c = *p;
    if (c >= '0' && c <= '9') v = v * 16 + static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + static_cast<uint64_t>(c - 'a' + 10);
    else return v;
  }
}

}  // namespace

FakeBoard::Impl::Impl(const fs::path& root_dir, const ModelFactory& make, uint64_t mem_base, uint64_t mem_size)
    : root(root_dir), reg_node(root_dir / "dev" / "uio0"), irq_link(root_dir / "dev" / "uio0-irq"), mem_size_(mem_size) {
  // ---- sysfs, as the UIO core and u-dma-buf present it
  const fs::path uio = root / "sys" / "class" / "uio" / "uio0";
  write_file(uio / "name", "trit\n");
  write_file(uio / "version", "devicetree\n");
  write_file(uio / "maps" / "map0" / "name", "registers\n");
  write_file(uio / "maps" / "map0" / "addr", fmt::format("0x{:016x}\n", kRegsPhys));
  write_file(uio / "maps" / "map0" / "size", fmt::format("0x{:016x}\n", r::kWindowBytes));
  write_file(uio / "maps" / "map0" / "offset", "0x0\n");
  const fs::path buf = root / "sys" / "class" / "u-dma-buf" / "udmabuf0";
  write_file(buf / "phys_addr", fmt::format("0x{:016x}\n", mem_base));
  write_file(buf / "size", fmt::format("{}\n", mem_size));
  write_file(buf / "sync_mode", "1\n");
  write_file(buf / "dma_coherent", "0\n");
  for (const char* attr : {"sync_offset", "sync_size", "sync_direction", "sync_for_cpu", "sync_for_device"})
    write_file(buf / attr, "0\n");
  fs::create_directories(root / "dev");

  // ---- the register window: a file of length 0 (every access faults)
  reg_fd_ = ::open(reg_node.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (reg_fd_ < 0) fail("cannot create " + reg_node.string());

  // ---- DMA memory
  const fs::path mem_node = root / "dev" / "udmabuf0";
  mem_fd_ = ::open(mem_node.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (mem_fd_ < 0 || ftruncate(mem_fd_, static_cast<off_t>(mem_size)) != 0) fail("cannot create " + mem_node.string());
  void* m = mmap(nullptr, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd_, 0);
  if (m == MAP_FAILED) fail("cannot map " + mem_node.string());
  mem_ = static_cast<uint8_t*>(m);

  // ---- the interrupt: a raw pseudo-terminal; a read becomes ready with a whole 4-byte count
  pty_master_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty_master_ < 0 || grantpt(pty_master_) != 0 || unlockpt(pty_master_) != 0) fail("cannot open a pseudo-terminal");
  char slave_name[128];
  if (ptsname_r(pty_master_, slave_name, sizeof slave_name) != 0) fail("ptsname");
  pty_slave_ = ::open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty_slave_ < 0) fail(std::string("cannot open ") + slave_name);
  for (int fd : {pty_master_, pty_slave_}) {
    termios t{};
    if (tcgetattr(fd, &t) != 0) fail("tcgetattr");
    cfmakeraw(&t);
    t.c_cc[VMIN] = 4;  // poll() reports the slave readable only once a whole count is there
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) != 0) fail("tcsetattr");
  }
  if (fcntl(pty_master_, F_SETFL, fcntl(pty_master_, F_GETFL) | O_NONBLOCK) != 0) fail("fcntl");
  fs::create_symlink(slave_name, irq_link);

  // ---- the model and the thread that owns it
  model_ = make(mem_base, {mem_, static_cast<size_t>(mem_size)});
  if (!model_.backend) throw std::runtime_error("fake board: the model factory returned no model");
  req_efd_ = eventfd(0, EFD_CLOEXEC);
  done_efd_ = eventfd(0, EFD_CLOEXEC);
  stop_efd_ = eventfd(0, EFD_CLOEXEC);
  if (req_efd_ < 0 || done_efd_ < 0 || stop_efd_ < 0) fail("eventfd");
  thread_ = std::thread([this] { board_main(); });
}

FakeBoard::Impl::~Impl() {
  if (thread_.joinable()) {
    post(stop_efd_);
    thread_.join();
  }
  model_.backend.reset();
  if (mem_) munmap(mem_, mem_size_);
  for (int fd : {reg_fd_, mem_fd_, pty_master_, pty_slave_, req_efd_, done_efd_, stop_efd_})
    if (fd >= 0) ::close(fd);
}

bool FakeBoard::Impl::register_offset(uintptr_t addr, uint32_t* offset) {
  auto lookup = [&] {
    for (int i = 0; i < n_windows_.load(); ++i)
      if (addr >= windows_[i].start && addr < windows_[i].end) {
        *offset = static_cast<uint32_t>(addr - windows_[i].start + windows_[i].file_offset);
        return true;
      }
    return false;
  };
  if (lookup()) return true;
  // A mapping not seen yet: find it in /proc/self/maps (open/read only: we are in a handler).
  const int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::string& want = reg_node.native();  // set before the thread starts; read only here
  char line[4096];
  size_t len = 0;
  bool found = false;
  for (;;) {
    char chunk[4096];
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got <= 0) break;
    for (ssize_t i = 0; i < got && !found; ++i) {
      if (chunk[i] != '\n') {
        if (len + 1 < sizeof line) line[len++] = chunk[i];
        continue;
      }
      line[len] = '\0';
      // "start-end perms offset dev inode   path"
      const size_t path_len = want.size();
      if (len > path_len && std::memcmp(line + len - path_len, want.data(), path_len) == 0 &&
          line[len - path_len - 1] == ' ') {
        const char* p = line;
        const uintptr_t start = parse_hex(p);
        ++p;
        const uintptr_t end = parse_hex(p);
        while (*p == ' ') ++p;
        while (*p && *p != ' ') ++p;  // perms
        while (*p == ' ') ++p;
        const uint64_t file_offset = parse_hex(p);
        if (addr >= start && addr < end) {
          const int n = n_windows_.load();
          if (n < static_cast<int>(std::size(windows_))) {
            windows_[n] = {start, end, file_offset};
            n_windows_.store(n + 1);
          }
          found = true;
        }
      }
      len = 0;
    }
    if (found) break;
  }
  ::close(fd);
  return found && lookup();
}

void FakeBoard::Impl::begin_access(bool write, uint32_t offset) {
  while (stepping_.exchange(true)) sched_yield();
  if (ftruncate(reg_fd_, kPage) != 0) std::abort();
  if (!write) {
    step_value_ = call_board(Kind::read, offset & ~3u, 0, nullptr);
    if (pwrite(reg_fd_, &step_value_, 4, offset & ~3u) != 4) std::abort();
  }
}

void FakeBoard::Impl::end_access(bool write, uint32_t offset) {
  if (write) {
    uint32_t value = 0;
    if (pread(reg_fd_, &value, 4, offset & ~3u) != 4) std::abort();
    call_board(Kind::write, offset & ~3u, value, nullptr);
  }
  if (ftruncate(reg_fd_, 0) != 0) std::abort();  // unmaps the page from every mapping again
  stepping_.store(false);
}

// The faulting thread waits here for the board thread. Safe inside the SIGBUS/SIGTRAP handlers:
// the fault is synchronous, at a register access in the fpga backend, where this thread holds no
// lock of ours; eventfd reads and writes are async-signal-safe.
uint32_t FakeBoard::Impl::call_board(Kind kind, uint32_t offset, uint32_t value,
                                     const std::function<void(driver::Backend&)>* fn) {
  std::lock_guard lock(slot_mu_);
  slot_kind_ = kind;
  slot_offset_ = offset;
  slot_value_ = value;
  slot_fn_ = fn;
  post(req_efd_);
  take(done_efd_);
  return slot_result_;
}

void FakeBoard::Impl::with_model(const std::function<void(driver::Backend&)>& fn) {
  call_board(Kind::call, 0, 0, &fn);
  const std::string e = error();
  if (!e.empty()) throw std::runtime_error("fake board: " + e);
}

void FakeBoard::Impl::serve() {
  driver::Backend& m = *model_.backend;
  try {
    switch (slot_kind_) {
      case Kind::read:
        slot_result_ = m.read_reg(slot_offset_);
        ++accesses_;
        break;
      case Kind::write:
        m.write_reg(slot_offset_, slot_value_);
        ++accesses_;
        break;
      case Kind::call: (*slot_fn_)(m); break;
    }
  } catch (const std::exception& e) {
    slot_result_ = kPoison;
    std::lock_guard lock(error_mu_);
    if (error_.empty()) error_ = e.what();
  }
}

void FakeBoard::Impl::update_active() {
  if (!model_.clocked) return;
  driver::Backend& m = *model_.backend;
  const uint32_t status = m.read_reg(r::STATUS);
  active_ = (status & (r::status::BUSY | r::status::RESETTING)) != 0 ||
            ((m.read_reg(r::CTRL) & r::ctrl::ENABLE) && !(status & r::status::HALTED) &&
             m.read_reg(r::RING_HEAD) != m.read_reg(r::RING_TAIL));
}

void FakeBoard::Impl::update_irq() {
  // uio_pdrv_genirq: an interrupt is counted and delivered only while unmasked, then masked
  // again until the host writes 1. The line is a level: a pending cause fires at unmask.
  if (!irq_unmasked_ || !model_.backend->wait_irq(std::chrono::nanoseconds(0))) return;
  ++irq_count_;
  irq_unmasked_ = false;
  if (::write(pty_master_, &irq_count_, sizeof irq_count_) != sizeof irq_count_) {
    std::lock_guard lock(error_mu_);
    if (error_.empty()) error_ = fmt::format("interrupt delivery failed: {}", std::strerror(errno));
  }
}

void FakeBoard::Impl::board_main() {
  pollfd fds[3] = {{req_efd_, POLLIN, 0}, {pty_master_, POLLIN, 0}, {stop_efd_, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, 3, model_.clocked && active_ ? 0 : -1);
    if (n < 0 && errno != EINTR) return;
    if (fds[2].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) {
      take(req_efd_);
      serve();
      // The line follows the access at once (an acknowledge drops it, an enable raises it), so
      // an interrupt it causes is on its way before the host's access completes.
      try {
        update_irq();
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mu_);
        if (error_.empty()) error_ = e.what();
      }
      post(done_efd_);
    }
    if (fds[1].revents & POLLIN) {
      uint8_t bytes[64];
      const ssize_t got = ::read(pty_master_, bytes, sizeof bytes);
      for (ssize_t i = 0; i < got; ++i) {
        frame_[frame_len_++] = bytes[i];
        if (frame_len_ == 4) {
          uint32_t v;
          std::memcpy(&v, frame_, 4);
          irq_unmasked_ = v != 0;
          frame_len_ = 0;
        }
      }
    }
    try {
      // A simulated model runs only while clocked: give it time while it has work.
      if (model_.clocked && active_) model_.backend->wait_irq(std::chrono::microseconds(2));
      update_active();
      update_irq();
    } catch (const std::exception& e) {
      std::lock_guard lock(error_mu_);
      if (error_.empty()) error_ = e.what();
      active_ = false;
    }
  }
}

// ---- FakeBoard -----------------------------------------------------------------------------------

FakeBoard::FakeBoard(const ModelFactory& make, uint64_t mem_base, uint64_t mem_size) {
#if !defined(__x86_64__)
  (void)make;
  (void)mem_base;
  (void)mem_size;
  throw std::runtime_error("fake board: x86-64 only (trap flag single-stepping)");
#else
  if (g_board) throw std::runtime_error("fake board: only one board per process at a time");
  // A temporary root on tmpfs when there is one (truncating the register file is then cheap).
  fs::path base = fs::is_directory("/dev/shm") && access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                                                 : fs::temp_directory_path();
  std::string templ = (base / "trit-fake-board-XXXXXX").string();
  if (!mkdtemp(templ.data())) fail("mkdtemp in " + base.string());
  root_ = fs::canonical(templ);  // /proc/self/maps shows canonical paths
  try {
    impl_ = std::make_unique<Impl>(root_, make, mem_base, mem_size);
  } catch (...) {
    fs::remove_all(root_);
    throw;
  }
  g_board = impl_.get();
  struct sigaction sa {};
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sa.sa_sigaction = on_sigbus;
  sigaction(SIGBUS, &sa, &g_old_bus);
  sa.sa_sigaction = on_sigtrap;
  sigaction(SIGTRAP, &sa, &g_old_trap);
#endif
}

FakeBoard::~FakeBoard() {
  if (!impl_) return;
  sigaction(SIGBUS, &g_old_bus, nullptr);
  sigaction(SIGTRAP, &g_old_trap, nullptr);
  g_board = nullptr;
  impl_.reset();
  std::error_code ec;
  fs::remove_all(root_, ec);
}

FakeBoard::ModelFactory FakeBoard::reference(const driver::ArrayConfig& cfg) {
  return [cfg](uint64_t base, std::span<uint8_t> memory) {
    driver::RefBackend::Options o;
    o.mem_base = base;
    o.storage = memory;
    return Model{std::make_unique<driver::RefBackend>(cfg, o), false};
  };
}

driver::FpgaOptions FakeBoard::fpga_options() const {
  driver::FpgaOptions o;
  o.uio = "trit";
  o.udmabuf = "udmabuf0";
  o.dev_dir = (root_ / "dev").string();
  o.sysfs_dir = (root_ / "sys").string();
  o.irq_node = impl_->irq_link.string();
  return o;
}

std::map<std::string, std::string> FakeBoard::fpga_params() const {
  const driver::FpgaOptions f = fpga_options();
  return {{"uio", f.uio},         {"uio_map", std::to_string(f.uio_map)}, {"udmabuf", f.udmabuf},
          {"dev_dir", f.dev_dir}, {"sysfs_dir", f.sysfs_dir},             {"irq_node", f.irq_node},
          {"cached", f.cached ? "true" : "false"}};
}

void FakeBoard::with_model(const std::function<void(driver::Backend&)>& fn) { impl_->with_model(fn); }
uint64_t FakeBoard::register_accesses() const { return impl_->accesses(); }
std::string FakeBoard::model_error() const { return impl_->error(); }

}  // namespace trit::testing
