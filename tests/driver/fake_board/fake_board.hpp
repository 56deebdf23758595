#pragma once
// A stand-in for a Linux board running the Trit bitstream, so that the fpga backend's code path
// (sysfs discovery, mmap of the UIO register map and of the u-dma-buf buffer, UIO interrupt
// semantics) runs in CI against a model: the reference model or the Verilated RTL.
//
// What the fpga backend sees, under a temporary root (FpgaOptions::dev_dir / sysfs_dir):
//
//   sys/class/uio/uio0/name, maps/map0/{addr,size,offset,name}       as the kernel's UIO core
//   sys/class/u-dma-buf/udmabuf0/{phys_addr,size,sync_*,dma_coherent}  as u-dma-buf
//   dev/udmabuf0     a file: the DMA buffer. The model's memory is a MAP_SHARED mapping of the
//                    same file, so host and device see the same bytes, as with real DMA
//   dev/uio0         a file of length 0: the register window (see below)
//   dev/uio0-irq     a symlink to a pseudo-terminal in raw mode: the interrupt half of the UIO
//                    node (write 4 bytes to unmask, poll for POLLIN, read the 4-byte count). A
//                    board has one node for both; no ordinary file can be mapped and block on
//                    read, hence FpgaOptions::irq_node
//
// The register window must have side effects on every access (W1C, self-clearing bits, counter
// snapshots, doorbells), which shared memory cannot provide. The technique is mmiotrace's: every
// access to the window faults, the fault handler performs the access on the model and single
// steps the faulting instruction over a page that holds the value, then hides the page again.
//   * Faulting: dev/uio0 has length 0, so any access to its mapping raises SIGBUS (beyond end of
//     file); no page protection needs to be set up in the backend's address space, and the
//     backend's code is exactly the board code.
//   * A read (page-fault error code without the write bit): the model's register value is
//     written into the file at the offset and the file grown to one page; the trap flag (EFLAGS.TF)
//     is set in the signal context so that the CPU traps (SIGTRAP) right after the one
//     instruction, which now reads the value.
//   * A write: the file is grown to a page of zeros, the instruction single-steps, and the
//     SIGTRAP handler reads the stored value from the file and performs the write on the model.
//   * In the SIGTRAP handler the file is truncated back to 0, which unmaps the page again.
// The accesses reach the model through a "board" thread that owns it (as a board's logic runs by
// itself): the handler posts the access and waits on eventfds (async-signal-safe). The board
// thread also clocks a simulated model while it has work, and raises the interrupt through the
// pseudo-terminal when the model's line is high and the host has unmasked it, like
// uio_pdrv_genirq (which masks the line again at each interrupt).
//
// x86-64 Linux only (trap flag, page-fault error code in the signal context). One board per
// process at a time. Register accesses must come one at a time (Device serialises them).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "fpga/fpga_backend.hpp"
#include "trit/driver/backend.hpp"
#include "trit/driver/config.hpp"

namespace trit::testing {

class FakeBoard {
 public:
  // The logic on the board: a model serving registers over `memory` (the DMA buffer, device
  // address `base`). `clocked`: the model advances only inside wait_irq (simulators), so the
  // board thread keeps clocking it while it has work.
  struct Model {
    std::unique_ptr<driver::Backend> backend;
    bool clocked = false;
  };
  using ModelFactory = std::function<Model(uint64_t base, std::span<uint8_t> memory)>;

  explicit FakeBoard(const ModelFactory& make, uint64_t mem_base = 0x70000000, uint64_t mem_size = 16ull << 20);
  ~FakeBoard();
  FakeBoard(const FakeBoard&) = delete;
  FakeBoard& operator=(const FakeBoard&) = delete;

  // A board with the reference model of `cfg` on it.
  static ModelFactory reference(const driver::ArrayConfig& cfg);

  // What to give FpgaBackend (or trit-selftest's --fpga-* options) to open this board.
  driver::FpgaOptions fpga_options() const;
  // The same as open_device()'s "fpga" parameters (OpenOptions::params).
  std::map<std::string, std::string> fpga_params() const;
  const std::filesystem::path& root() const { return root_; }

  // Runs `fn` on the model in the board thread, between register accesses: fault injection and
  // inspection. `fn` must not touch the fpga backend (its register accesses would wait for the
  // board thread, which is running `fn`).
  void with_model(const std::function<void(driver::Backend&)>& fn);

  // Register accesses served so far, and the first error the model threw while serving one
  // (empty if none; the access then read 0xdeadbeef or was dropped).
  uint64_t register_accesses() const;
  std::string model_error() const;

  class Impl;

 private:
  std::filesystem::path root_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trit::testing
