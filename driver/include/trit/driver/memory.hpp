#pragma once
// A flat region of simulated device memory (reference model and simulators). Zero-filled
// lazily by the OS (calloc), so a large region costs only the pages that are touched.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

namespace trit::driver {

class DeviceMemory {
 public:
  DeviceMemory(uint64_t base, uint64_t size);
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  bool contains(uint64_t addr, uint64_t len) const {
    return addr >= base_ && len <= size_ && addr - base_ <= size_ - len;
  }
  // Bounds-checked access; throws MemoryError naming the range.
  void write(uint64_t addr, std::span<const uint8_t> data);
  void read(uint64_t addr, std::span<uint8_t> out) const;
  // Unchecked pointer for models that checked the range themselves.
  uint8_t* at(uint64_t addr) { return bytes_.get() + (addr - base_); }
  const uint8_t* at(uint64_t addr) const { return bytes_.get() + (addr - base_); }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint64_t base_, size_;
  std::unique_ptr<uint8_t, Free> bytes_;
};

}  // namespace trit::driver
