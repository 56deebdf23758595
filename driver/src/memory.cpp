#include "trit/driver/memory.hpp"

#include <cstring>

#include <fmt/format.h>

#include "trit/driver/errors.hpp"

namespace trit::driver {

DeviceMemory::DeviceMemory(uint64_t base, uint64_t size)
    : base_(base), size_(size), owned_(static_cast<uint8_t*>(std::calloc(size, 1))), bytes_(owned_.get()) {
  if (!bytes_) throw MemoryError(fmt::format("cannot allocate {} bytes of device memory", size));
}

DeviceMemory::DeviceMemory(uint64_t base, std::span<uint8_t> storage)
    : base_(base), size_(storage.size()), bytes_(storage.data()) {
  if (!bytes_ || size_ == 0) throw MemoryError("device memory view over empty storage");
}

void DeviceMemory::write(uint64_t addr, std::span<const uint8_t> data) {
  if (!contains(addr, data.size()))
    throw MemoryError(fmt::format("write of {} bytes at 0x{:x} is outside device memory "
                                  "[0x{:x}, 0x{:x})", data.size(), addr, base_, base_ + size_));
  if (!data.empty()) std::memcpy(at(addr), data.data(), data.size());
}

void DeviceMemory::read(uint64_t addr, std::span<uint8_t> out) const {
  if (!contains(addr, out.size()))
    throw MemoryError(fmt::format("read of {} bytes at 0x{:x} is outside device memory "
                                  "[0x{:x}, 0x{:x})", out.size(), addr, base_, base_ + size_));
  if (!out.empty()) std::memcpy(out.data(), at(addr), out.size());
}

}  // namespace trit::driver
