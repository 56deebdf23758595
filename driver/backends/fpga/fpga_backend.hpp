#pragma once
// The FPGA backend: the accelerator on a Linux SoC (Zynq UltraScale+ class), driven from user
// space through two stock kernel drivers and nothing of our own in the kernel:
//
//   registers   UIO (uio_pdrv_genirq): /dev/uioN, map M mmapped; the map's size and the offset
//               of the window inside its first page from /sys/class/uio/uioN/maps/mapM/
//   interrupt   the same UIO node: write a 4-byte 1 to unmask, poll for POLLIN, read the 4-byte
//               interrupt count (uio_pdrv_genirq masks the line again after each interrupt)
//   DMA memory  u-dma-buf: /dev/udmabufN mmapped; its bus address and size from
//               /sys/class/u-dma-buf/udmabufN/{phys_addr,size}; O_SYNC for an uncached mapping,
//               or a cached one with explicit sync_for_device / sync_for_cpu around each copy
//
// Device time is wall time. The node and sysfs roots are options so that the test suite can
// serve the same code path from a stand-in board (tests/driver/fake_board); docs/driver.md lists
// what a board needs.

#include <cstdint>
#include <string>

#include "trit/driver/backend.hpp"

namespace trit::driver {

struct FpgaOptions {
  // The UIO device: "uioN", or the name its driver reports in /sys/class/uio/uio*/name (the
  // device-tree node name, e.g. "trit").
  std::string uio = "trit";
  uint32_t uio_map = 0;                // which map of that device is the register window
  std::string udmabuf = "udmabuf0";    // the u-dma-buf device holding all device memory
  std::string dev_dir = "/dev";
  std::string sysfs_dir = "/sys";
  // The node to take interrupts from; empty = the UIO node itself (always, on a board).
  std::string irq_node;
  // false: the DMA buffer is mapped with O_SYNC (CPU cache off for it: simple, slow reads);
  // true: cached, with the u-dma-buf sync attributes around every copy (unless dma_coherent).
  bool cached = false;
};

class FpgaBackend final : public Backend {
 public:
  explicit FpgaBackend(const FpgaOptions& opt);

  std::string name() const override { return "fpga:" + uio_name_; }
  uint32_t read_reg(uint32_t offset) override;
  void write_reg(uint32_t offset, uint32_t value) override;
  Region memory() const override { return {phys_addr_, mem_size_}; }
  void write_mem(uint64_t addr, std::span<const uint8_t> data) override;
  void read_mem(uint64_t addr, std::span<uint8_t> out) override;
  bool wait_irq(std::chrono::nanoseconds timeout) override;
  // rst_ni is not reachable from user space: throws DriverError (use Device::soft_reset, or
  // reload the bitstream).
  void hard_reset() override;

 private:
  enum class Sync { none, for_device, for_cpu };
  void sync(uint64_t offset, uint64_t size, Sync direction);
  uint8_t* mem_at(uint64_t addr, uint64_t len, const char* what);

  // Owners of a file descriptor and of a mapping, so that a constructor that fails half way
  // releases what it got.
  struct Fd {
    int fd = -1;
    Fd() = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();
  };
  struct Mapping {
    uint8_t* ptr = nullptr;
    uint64_t len = 0;
    Mapping() = default;
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping();
  };

  FpgaOptions opt_;
  std::string uio_name_;
  Fd uio_fd_, irq_fd_, mem_fd_;
  Mapping reg_map_;                    // the whole UIO map, page aligned
  volatile uint32_t* regs_ = nullptr;  // the register window inside it
  uint64_t reg_window_ = 0;
  Mapping mem_;                        // the DMA buffer
  uint64_t phys_addr_ = 0, mem_size_ = 0;
  bool irq_control_ = true;  // the UIO driver accepts unmask writes
  bool manual_sync_ = false;
  std::string udmabuf_sysfs_;
};

}  // namespace trit::driver
