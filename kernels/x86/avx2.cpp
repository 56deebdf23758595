// AVX2 + FMA + F16C kernels (compiled with those flags; called only when CPUID reports them).
#define TRIT_AVX2_VNNI 0
#include "kernels/x86/avx2_impl.hpp"

namespace trit::kernels::detail {
const KernelTable& avx2_table() {
  static const KernelTable t = make_table();
  return t;
}
}  // namespace trit::kernels::detail
