#pragma once
// Seeds for randomised tests. Every randomised test binary links seed_main.cpp, which takes
// `--seed N` (or the TRIT_SEED environment variable), otherwise picks a fresh seed, and prints
// it so any failure can be reproduced exactly.

#include <cstdint>

namespace trit::testing {

uint64_t test_seed();

}  // namespace trit::testing
