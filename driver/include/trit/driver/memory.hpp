#pragma once
// A flat region of device memory as a model sees it (reference model, simulators, the fake board
// of the fpga backend's tests). Either owns its bytes (zero-filled lazily by the OS through
// calloc, so a large region costs only the pages that are touched) or views storage someone else
// owns, e.g. a file mapping that the host side of a stand-in board maps too.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

namespace trit::driver {

class DeviceMemory {
 public:
  // Owned, zero-filled storage for [base, base + size).
  DeviceMemory(uint64_t base, uint64_t size);
  // A view of `storage` (not owned; it must outlive this object) as [base, base + storage.size()).
  DeviceMemory(uint64_t base, std::span<uint8_t> storage);

  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  bool contains(uint64_t addr, uint64_t len) const {
    return addr >= base_ && len <= size_ && addr - base_ <= size_ - len;
  }
  // Bounds-checked access; throws MemoryError naming the range.
  void write(uint64_t addr, std::span<const uint8_t> data);
  void read(uint64_t addr, std::span<uint8_t> out) const;
  // Unchecked pointer for models that checked the range themselves.
  uint8_t* at(uint64_t addr) { return bytes_ + (addr - base_); }
  const uint8_t* at(uint64_t addr) const { return bytes_ + (addr - base_); }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint64_t base_, size_;
  std::unique_ptr<uint8_t, Free> owned_;
  uint8_t* bytes_;
};

}  // namespace trit::driver
