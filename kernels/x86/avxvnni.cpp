// AVX2 kernels with AVX-VNNI dot products (compiled with -mavxvnni; called only when CPUID
// reports it).
#define TRIT_AVX2_VNNI 1
#include "kernels/x86/avx2_impl.hpp"

namespace trit::kernels::detail {
const KernelTable& avxvnni_table() {
  static const KernelTable t = make_table();
  return t;
}
}  // namespace trit::kernels::detail
