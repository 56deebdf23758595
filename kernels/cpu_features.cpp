#include "kernels/cpu_features.hpp"

#include <array>
#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define TRIT_X86 1
#endif

namespace trit::kernels {

std::string_view variant_name(Variant v) {
  switch (v) {
    case Variant::Scalar: return "scalar";
    case Variant::Avx2: return "avx2";
    case Variant::AvxVnni: return "avxvnni";
    case Variant::Avx512: return "avx512";
    case Variant::Neon: return "neon";
  }
  return "?";
}

std::optional<Variant> variant_from_name(std::string_view name) {
  for (Variant v : {Variant::Scalar, Variant::Avx2, Variant::AvxVnni, Variant::Avx512, Variant::Neon})
    if (variant_name(v) == name) return v;
  return std::nullopt;
}

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#ifdef TRIT_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid(1, a, b, c, d);
  const bool osxsave = (c >> 27) & 1;
  if (!osxsave) return f;
  // XCR0: bits 1-2 (SSE, AVX state) for 256-bit registers, plus 5-7 (opmask, ZMM) for AVX-512.
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  const bool ymm_state = (lo & 0x6) == 0x6;
  const bool zmm_state = (lo & 0xe6) == 0xe6;
  const bool fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
  __cpuid_count(7, 0, a, b, c, d);
  const unsigned b7 = b, c7 = c;
  __cpuid_count(7, 1, a, b, c, d);
  const unsigned a71 = a;
  if (ymm_state) {
    f.avx2 = (b7 >> 5) & 1;
    f.fma = fma;
    f.f16c = f16c;
    f.avx_vnni = (a71 >> 4) & 1;
  }
  if (zmm_state) {
    f.avx512f = (b7 >> 16) & 1;
    f.avx512dq = (b7 >> 17) & 1;
    f.avx512bw = (b7 >> 30) & 1;
    f.avx512vl = (b7 >> 31) & 1;
    f.avx512vbmi = (c7 >> 1) & 1;
    f.avx512vnni = (c7 >> 11) & 1;
    f.avx512bf16 = (a71 >> 5) & 1;
  }
#elif defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}

bool compiled(Variant v) {
  switch (v) {
    case Variant::Scalar: return true;
    case Variant::Avx2:
    case Variant::AvxVnni:
    case Variant::Avx512:
#ifdef TRIT_X86
      return true;
#else
      return false;
#endif
    case Variant::Neon:
#if defined(__aarch64__)
      return true;
#else
      return false;
#endif
  }
  return false;
}

std::vector<Variant> detect_available() {
  std::vector<Variant> v{Variant::Scalar};
  for (Variant c : {Variant::Neon, Variant::Avx2, Variant::AvxVnni, Variant::Avx512})
    if (variant_available(c)) v.push_back(c);
  return v;
}

Variant initial_variant() {
  if (const char* env = std::getenv("TRIT_KERNELS"); env != nullptr && *env != '\0') {
    const auto v = variant_from_name(env);
    if (!v) throw std::invalid_argument(std::string("TRIT_KERNELS=") + env +
                                        ": unknown kernel variant (scalar, avx2, avxvnni, avx512, neon)");
    if (!variant_available(*v))
      throw std::invalid_argument(std::string("TRIT_KERNELS=") + env + ": this CPU cannot run that variant");
    return *v;
  }
  int n = 0;
  const Variant* all = available_variants(&n);
  return all[n - 1];
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_variant())};
  return slot;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool variant_available(Variant v) {
  if (!compiled(v)) return false;
  const CpuFeatures& f = cpu_features();
  switch (v) {
    case Variant::Scalar: return true;
    case Variant::Avx2: return f.avx2 && f.fma && f.f16c;
    case Variant::AvxVnni: return f.avx2 && f.fma && f.f16c && f.avx_vnni;
    case Variant::Avx512:
      return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni && f.avx512vbmi && f.fma && f.f16c;
    case Variant::Neon: return f.neon;
  }
  return false;
}

const Variant* available_variants(int* count) {
  static const std::vector<Variant> all = detect_available();
  *count = static_cast<int>(all.size());
  return all.data();
}

Variant active_variant() { return static_cast<Variant>(active_slot().load(std::memory_order_relaxed)); }

void set_active_variant(Variant v) {
  if (!variant_available(v))
    throw std::invalid_argument("kernel variant " + std::string(variant_name(v)) + " is not available on this CPU");
  active_slot().store(static_cast<int>(v), std::memory_order_relaxed);
}

}  // namespace trit::kernels
