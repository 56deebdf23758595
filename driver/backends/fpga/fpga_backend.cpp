#include "fpga_backend.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "trit/driver/errors.hpp"
#include "trit/regs.hpp"

namespace trit::driver {
namespace {

namespace fs = std::filesystem;

std::string sys_error() { return std::strerror(errno); }

// One sysfs attribute, trimmed. Missing attributes are setup problems: say which and why.
std::string read_attr(const fs::path& path, const char* hint) {
  std::ifstream in(path);
  std::string s;
  if (!in || !std::getline(in, s))
    throw ConfigError(fmt::format("fpga: cannot read {} ({})", path.string(), hint));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

uint64_t read_number(const fs::path& path, const char* hint) {
  const std::string s = read_attr(path, hint);
  errno = 0;
  char* end = nullptr;
  const uint64_t v = std::strtoull(s.c_str(), &end, 0);  // sysfs prints sizes in decimal, addresses as 0x...
  if (errno != 0 || end == s.c_str() || *end != '\0')
    throw ConfigError(fmt::format("fpga: {} holds '{}', not a number", path.string(), s));
  return v;
}

void write_attr(const fs::path& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) throw DriverError(fmt::format("fpga: cannot write '{}' to {}", value, path.string()));
}

// Ordering between the DMA buffer and the register window, which the CPU may treat as different
// memory types (Linux's writel/readl put the same barriers around MMIO).
inline void io_write_barrier() {  // DMA-memory stores complete before a register store
#if defined(__aarch64__)
  asm volatile("dsb st" ::: "memory");
#elif defined(__x86_64__)
  asm volatile("sfence" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}
inline void io_read_barrier() {  // a register load completes before the DMA-memory loads after it
#if defined(__aarch64__)
  asm volatile("dsb ld" ::: "memory");
#elif defined(__x86_64__)
  asm volatile("lfence" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// Copies with naturally aligned accesses only: an uncached mapping is Device memory on arm64,
// which faults on unaligned accesses and on the cache-zeroing instructions memcpy may use.
void copy_to_io(uint8_t* dst, const uint8_t* src, size_t n) {
  while (n && (reinterpret_cast<uintptr_t>(dst) & 7u)) {
    *reinterpret_cast<volatile uint8_t*>(dst++) = *src++;
    --n;
  }
  for (; n >= 8; n -= 8, dst += 8, src += 8) {
    uint64_t v;
    std::memcpy(&v, src, 8);
    *reinterpret_cast<volatile uint64_t*>(dst) = v;
  }
  while (n--) *reinterpret_cast<volatile uint8_t*>(dst++) = *src++;
}
void copy_from_io(uint8_t* dst, const uint8_t* src, size_t n) {
  while (n && (reinterpret_cast<uintptr_t>(src) & 7u)) {
    *dst++ = *reinterpret_cast<const volatile uint8_t*>(src++);
    --n;
  }
  for (; n >= 8; n -= 8, dst += 8, src += 8) {
    const uint64_t v = *reinterpret_cast<const volatile uint64_t*>(src);
    std::memcpy(dst, &v, 8);
  }
  while (n--) *dst++ = *reinterpret_cast<const volatile uint8_t*>(src++);
}

// "uioN" as given, or the UIO device whose driver reports this name.
std::string find_uio(const fs::path& sysfs, const std::string& want) {
  const fs::path cls = sysfs / "class" / "uio";
  if (fs::exists(cls / want)) return want;
  std::vector<std::string> seen;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cls, ec)) {
    std::ifstream in(entry.path() / "name");
    std::string name;
    std::getline(in, name);
    if (name == want) return entry.path().filename().string();
    seen.push_back(fmt::format("{} ({})", entry.path().filename().string(), name));
  }
  std::string list;
  for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
  throw ConfigError(fmt::format("fpga: no UIO device named '{}' under {} (found: {}); is the device-tree overlay "
                                "loaded and the node bound to uio_pdrv_genirq?",
                                want, cls.string(), list.empty() ? "none" : list));
}

}  // namespace

FpgaBackend::Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

FpgaBackend::Mapping::~Mapping() {
  if (ptr) munmap(ptr, len);
}

FpgaBackend::FpgaBackend(const FpgaOptions& opt) : opt_(opt) {
  const fs::path sysfs(opt.sysfs_dir), dev(opt.dev_dir);
  // ---- registers: UIO map
  uio_name_ = find_uio(sysfs, opt.uio);
  const fs::path map_dir = sysfs / "class" / "uio" / uio_name_ / "maps" / fmt::format("map{}", opt.uio_map);
  const uint64_t map_size = read_number(map_dir / "size", "does the UIO device have this map?");
  std::error_code ec;
  const uint64_t map_offset = fs::exists(map_dir / "offset", ec) ? read_number(map_dir / "offset", "") : 0;
  // The map covers [addr, addr + size); addr sits `offset` bytes into the first mapped page.
  if (map_size < regs::kWindowBytes)
    throw ConfigError(fmt::format("fpga: UIO map {} of {} is {} bytes, the register window needs {}", opt.uio_map,
                                  uio_name_, map_size, regs::kWindowBytes));
  const fs::path uio_node = dev / uio_name_;
  uio_fd_.fd = ::open(uio_node.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (uio_fd_.fd < 0) throw ConfigError(fmt::format("fpga: cannot open {}: {}", uio_node.string(), sys_error()));
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t map_len = (map_offset + map_size + page - 1) / page * page;
  // UIO selects map N by the mmap offset N pages.
  void* m = mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, uio_fd_.fd,
                 static_cast<off_t>(uint64_t{opt.uio_map} * page));
  if (m == MAP_FAILED)
    throw ConfigError(fmt::format("fpga: cannot mmap map {} of {}: {}", opt.uio_map, uio_node.string(), sys_error()));
  reg_map_.ptr = static_cast<uint8_t*>(m);
  reg_map_.len = map_len;
  regs_ = reinterpret_cast<volatile uint32_t*>(reg_map_.ptr + map_offset);
  reg_window_ = map_size;

  // ---- interrupt: a second open of the UIO node (its own event count), non-blocking
  const fs::path irq_node = opt.irq_node.empty() ? uio_node : fs::path(opt.irq_node);
  irq_fd_.fd = ::open(irq_node.c_str(), O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (irq_fd_.fd < 0) throw ConfigError(fmt::format("fpga: cannot open {}: {}", irq_node.string(), sys_error()));

  // ---- DMA memory: u-dma-buf (or its predecessor udmabuf's class name)
  fs::path buf_dir = sysfs / "class" / "u-dma-buf" / opt.udmabuf;
  if (!fs::exists(buf_dir, ec)) buf_dir = sysfs / "class" / "udmabuf" / opt.udmabuf;
  udmabuf_sysfs_ = buf_dir.string();
  const char* hint = "is the u-dma-buf module loaded with a buffer of this name?";
  phys_addr_ = read_number(buf_dir / "phys_addr", hint);
  mem_size_ = read_number(buf_dir / "size", hint);
  if (mem_size_ == 0) throw ConfigError(fmt::format("fpga: {} has size 0", buf_dir.string()));
  manual_sync_ = opt.cached && !(fs::exists(buf_dir / "dma_coherent", ec) &&
                                 read_number(buf_dir / "dma_coherent", "") != 0);
  const fs::path mem_node = dev / opt.udmabuf;
  mem_fd_.fd = ::open(mem_node.c_str(), O_RDWR | O_CLOEXEC | (opt.cached ? 0 : O_SYNC));
  if (mem_fd_.fd < 0) throw ConfigError(fmt::format("fpga: cannot open {}: {}", mem_node.string(), sys_error()));
  m = mmap(nullptr, mem_size_, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd_.fd, 0);
  if (m == MAP_FAILED)
    throw ConfigError(fmt::format("fpga: cannot mmap {} ({} bytes): {}", mem_node.string(), mem_size_, sys_error()));
  mem_.ptr = static_cast<uint8_t*>(m);
  mem_.len = mem_size_;
}

uint32_t FpgaBackend::read_reg(uint32_t offset) {
  if (offset % 4 != 0 || offset + 4 > reg_window_)
    throw DriverError(fmt::format("{}: register read at 0x{:x} is outside the {}-byte window or unaligned", name(),
                                  offset, reg_window_));
  const uint32_t v = regs_[offset / 4];
  io_read_barrier();
  return v;
}

void FpgaBackend::write_reg(uint32_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset + 4 > reg_window_)
    throw DriverError(fmt::format("{}: register write at 0x{:x} is outside the {}-byte window or unaligned", name(),
                                  offset, reg_window_));
  io_write_barrier();
  regs_[offset / 4] = value;
}

uint8_t* FpgaBackend::mem_at(uint64_t addr, uint64_t len, const char* what) {
  if (addr < phys_addr_ || len > mem_size_ || addr - phys_addr_ > mem_size_ - len)
    throw MemoryError(fmt::format("{}: {} of {} bytes at 0x{:x} is outside the DMA buffer [0x{:x}, 0x{:x})", name(), what,
                                  len, addr, phys_addr_, phys_addr_ + mem_size_));
  return mem_.ptr + (addr - phys_addr_);
}

void FpgaBackend::sync(uint64_t offset, uint64_t size, Sync direction) {
  if (!manual_sync_ || size == 0) return;
  // u-dma-buf's manual cache management: the range, the DMA direction, then the owner switch.
  const fs::path dir(udmabuf_sysfs_);
  write_attr(dir / "sync_offset", fmt::format("{}", offset));
  write_attr(dir / "sync_size", fmt::format("{}", size));
  write_attr(dir / "sync_direction", direction == Sync::for_device ? "1" : "2");  // DMA_TO_DEVICE / FROM_DEVICE
  write_attr(dir / (direction == Sync::for_device ? "sync_for_device" : "sync_for_cpu"), "1");
}

void FpgaBackend::write_mem(uint64_t addr, std::span<const uint8_t> data) {
  uint8_t* p = mem_at(addr, data.size(), "write");
  if (opt_.cached) std::memcpy(p, data.data(), data.size());
  else copy_to_io(p, data.data(), data.size());
  sync(addr - phys_addr_, data.size(), Sync::for_device);
}

void FpgaBackend::read_mem(uint64_t addr, std::span<uint8_t> out) {
  const uint8_t* p = mem_at(addr, out.size(), "read");
  sync(addr - phys_addr_, out.size(), Sync::for_cpu);
  if (opt_.cached) std::memcpy(out.data(), p, out.size());
  else copy_from_io(out.data(), p, out.size());
}

bool FpgaBackend::wait_irq(std::chrono::nanoseconds timeout) {
  // An interrupt counted earlier (the line was high at some point while unmasked) says nothing
  // about now: drop it. The line is a level, so a cause still pending fires again at the unmask.
  uint32_t stale = 0;
  while (::read(irq_fd_.fd, &stale, sizeof stale) == sizeof stale) {
  }
  if (irq_control_) {
    const uint32_t unmask = 1;
    if (::write(irq_fd_.fd, &unmask, sizeof unmask) != sizeof unmask) {
      if (errno != ENOSYS)  // a UIO driver without irqcontrol never masks: nothing to do
        throw DriverError(fmt::format("{}: cannot unmask the interrupt: {}", name(), sys_error()));
      irq_control_ = false;
    }
  }
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + std::min<nanoseconds>(timeout, hours(24));
  for (;;) {
    const nanoseconds left = std::max<nanoseconds>(deadline - steady_clock::now(), nanoseconds::zero());
    timespec ts{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
    pollfd pfd{irq_fd_.fd, POLLIN, 0};
    const int n = ::ppoll(&pfd, 1, &ts, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw DriverError(fmt::format("{}: poll on the interrupt node failed: {}", name(), sys_error()));
    if (n == 0) return false;
    if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
      throw DriverError(fmt::format("{}: the interrupt node reports an error (revents 0x{:x})", name(), pfd.revents));
    uint32_t count = 0;  // interrupts since the driver loaded; only its change matters
    const ssize_t got = ::read(irq_fd_.fd, &count, sizeof count);
    if (got == sizeof count) return true;
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;  // raced with nothing: wait on
    throw DriverError(fmt::format("{}: reading the interrupt count failed: {}", name(),
                                  got < 0 ? sys_error() : fmt::format("{} bytes", got)));
  }
}

void FpgaBackend::hard_reset() {
  throw DriverError(fmt::format("{}: a hard reset (rst_ni) is not reachable from user space; use soft_reset() or "
                                "reload the bitstream", name()));
}

}  // namespace trit::driver
