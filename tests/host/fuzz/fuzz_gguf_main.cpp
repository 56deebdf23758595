// libFuzzer entry point of the GGUF fuzzer; the work is in fuzz_gguf_body.cpp.
#include "fuzz_gguf_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_gguf_one_input(data, size);
  return 0;
}
