// Replays every input in tests/data/fuzz-gguf/ (past fuzzer findings, one file each, named
// after what they broke) through the fuzzer's body, so a fixed bug stays fixed in every build,
// sanitizers included. The body catches the errors a bad file should raise; anything else
// escaping or a sanitizer report fails.
#include <gtest/gtest.h>

#include <filesystem>

#include "fuzz/fuzz_gguf_body.hpp"
#include "testutil.hpp"

TEST(FuzzRegressions, PastFindingsStayFixed) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(trit::testutil::data_dir() / "fuzz-gguf")) {
    SCOPED_TRACE(e.path().filename().string());
    const auto bytes = trit::testutil::read_file(e.path());
    EXPECT_NO_THROW(fuzz_gguf_one_input(bytes.data(), bytes.size()));
    ++n;
  }
  EXPECT_GE(n, 1);
}
