// One input of the GGUF fuzzer (see fuzz_gguf_body.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

void fuzz_gguf_one_input(const uint8_t* data, size_t size);
