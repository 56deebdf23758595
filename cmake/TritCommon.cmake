# Shared build settings for every Trit target.

# Warnings for our own code (third-party and generated code is compiled without these).
add_library(trit_warnings INTERFACE)
target_compile_options(trit_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Wformat=2 -Wimplicit-fallthrough)

if(TRIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
# Boost.Interprocess (header-only): the vp backend and trit-vp share memory and message queues.
find_package(Boost 1.74 REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
include(GoogleTest)

# Generated sources (register map headers, Verilator output, ...) live here, never in git.
set(TRIT_GEN_DIR ${CMAKE_BINARY_DIR}/generated)
file(MAKE_DIRECTORY ${TRIT_GEN_DIR})

# Command-line tests: `${TRIT_EXPECT_EXIT} CODE REGEX command args...` passes only when the command
# exits with CODE and prints something matching REGEX.
set(TRIT_EXPECT_EXIT ${PROJECT_SOURCE_DIR}/tests/support/expect_exit.sh)

# trit_add_gtest(<name> SOURCES ... LIBS ... [LABELS label] [TIMEOUT s] [SEEDED])
# LABELS takes ONE label: gtest_discover_tests drops every list element after the first.
# One GoogleTest executable, registered test-by-test in CTest. SEEDED tests use the seeded main
# of tests/support (--seed N / TRIT_SEED, printed on every run) for their random inputs.
function(trit_add_gtest name)
  cmake_parse_arguments(ARG "SEEDED" "TIMEOUT;LABELS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  if(ARG_SEEDED)
    set(main trit_test_seed_main)
  else()
    set(main GTest::gtest_main)
  endif()
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest ${main} trit_warnings)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
