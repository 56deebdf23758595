// main() for randomised GoogleTest binaries: --seed N / --seed=N / TRIT_SEED select the seed.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "test_seed.hpp"

namespace {
uint64_t g_seed = 0;
}

namespace trit::testing {
uint64_t test_seed() { return g_seed; }
}  // namespace trit::testing

int main(int argc, char** argv) {
  bool have = false;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      g_seed = std::strtoull(argv[++i], nullptr, 0);
      have = true;
    } else if (std::strncmp(argv[i], "--seed=", 7) == 0) {
      g_seed = std::strtoull(argv[i] + 7, nullptr, 0);
      have = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  if (!have) {
    if (const char* env = std::getenv("TRIT_SEED")) {
      g_seed = std::strtoull(env, nullptr, 0);
      have = true;
    }
  }
  if (!have)
    g_seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) & 0xffffffffu;
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing |= std::strcmp(argv[i], "--gtest_list_tests") == 0;
  if (!listing)
    std::printf("[ seed     ] %llu (reproduce with --seed %llu or TRIT_SEED=%llu)\n",
              static_cast<unsigned long long>(g_seed), static_cast<unsigned long long>(g_seed),
              static_cast<unsigned long long>(g_seed));
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
