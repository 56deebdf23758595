// Which instruction sets this CPU (and OS) supports, and which kernel variant runs.
//
// Every kernel has a portable scalar version; SIMD variants are compiled per file with their
// own target flags (the library runs on any x86-64 or AArch64) and picked at run time:
//
//   avx512   AVX-512 F/BW/VL/DQ + VNNI + VBMI (Ice Lake, Sapphire Rapids, Zen 4 and later)
//   avxvnni  AVX2 + FMA + F16C + AVX-VNNI (Alder Lake and later client cores)
//   avx2     AVX2 + FMA + F16C (Haswell, Zen 1 and later)
//   neon     AArch64 Advanced SIMD (always present there)
//   scalar   plain C++, everywhere; also the reference the others are tested against
//
// The environment variable TRIT_KERNELS=<name> pins a variant (an unavailable one is an
// error), so benchmarks and tests can compare every variant the machine runs.
#pragma once

#include <optional>
#include <stdexcept>
#include <string_view>

namespace trit::kernels {

enum class Variant { Scalar, Avx2, AvxVnni, Avx512, Neon };

std::string_view variant_name(Variant v);
std::optional<Variant> variant_from_name(std::string_view name);

// What CPUID (and XGETBV for the OS-saved register state) report.
struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false, avx_vnni = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512vbmi = false, avx512bf16 = false;
  bool neon = false;
};
const CpuFeatures& cpu_features();

bool variant_available(Variant v);
// Every variant this CPU runs, scalar first and the fastest last.
const Variant* available_variants(int* count);

// The variant the dispatched entry points use: TRIT_KERNELS if set, else the fastest available.
Variant active_variant();
// Pins the variant for this process (tests, benchmarks). Throws std::invalid_argument if this
// CPU cannot run it. Not thread-safe against kernels running at the same time.
void set_active_variant(Variant v);

}  // namespace trit::kernels
