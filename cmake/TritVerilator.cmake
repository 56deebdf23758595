# Verilator and RTL helpers shared by every area that builds or checks the RTL.
#
#   trit_rtl_files(<out_var>)      absolute paths of the RTL sources listed in rtl/rtl.f
#   trit_verilate(<target> TOP <module> CONFIG <name> [PARAMS Name=value ...]
#                 [SOURCES extra.sv ...] [SYSTEMC] [TRACE_FST] [THREADS n] [BENCH] [ARGS ...])
#       A static library holding the Verilated model of <module>, class V<module>_<name>.
#       Parameters are passed as -G overrides; the generated register include is on the
#       include path; assertions are on (--assert) in every model except BENCH ones.
#       BENCH: a model of a "bench" role configuration (rtl/configs.json), built for simulation
#       speed: without assertions, and its per-cycle code (Verilator's OPT_FAST files) compiled
#       with -O3 -march=native, i.e. for the machine it is built on. The assertions run in the
#       test configurations' models (same RTL); the bench model's results, counters and cycles
#       are checked by tests/accel (test_accel_bench_config, accel.simcheck.*).
#
# rtl/rtl.f is the one file list for every tool: one path per line relative to rtl/,
# `//` comments, `+incdir+<dir>` lines for include directories.

find_package(verilator REQUIRED HINTS $ENV{VERILATOR_ROOT} /usr/share/verilator)

set(TRIT_RTL_DIR ${PROJECT_SOURCE_DIR}/rtl)

function(trit_rtl_files out_var)
  set(files "")
  set(incdirs ${TRIT_GEN_DIR})
  file(STRINGS ${TRIT_RTL_DIR}/rtl.f lines)
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "//.*$" "" line "${line}")
    string(STRIP "${line}" line)
    if(line STREQUAL "")
      continue()
    elseif(line MATCHES "^\\+incdir\\+(.*)$")
      list(APPEND incdirs ${TRIT_RTL_DIR}/${CMAKE_MATCH_1})
    else()
      list(APPEND files ${TRIT_RTL_DIR}/${line})
    endif()
  endforeach()
  set(${out_var} ${files} PARENT_SCOPE)
  set(${out_var}_INCDIRS ${incdirs} PARENT_SCOPE)
endfunction()

function(trit_verilate target)
  cmake_parse_arguments(ARG "SYSTEMC;TRACE_FST;BENCH" "TOP;CONFIG;THREADS" "PARAMS;SOURCES;ARGS" ${ARGN})
  trit_rtl_files(rtl)
  # Bench models: measured on r8c20v16b512 decode (sim/tools/accel_simcheck.cpp), dropping --assert
  # takes 1.5 % of the instructions per cycle and -O3 -march=native about 3-5 % of the time. The
  # test configurations keep --assert and -O2 (the GEMM and error tests rely on the assertions).
  if(ARG_BENCH)
    set(vargs "")
    set(opt_fast -O3 -march=native)
  else()
    set(vargs --assert)
    set(opt_fast -O2)
  endif()
  list(APPEND vargs -Wno-fatal -O3 --x-assign fast --x-initial fast --output-split 20000)
  foreach(p IN LISTS ARG_PARAMS)
    list(APPEND vargs -G${p})
  endforeach()
  foreach(inc IN LISTS rtl_INCDIRS)
    list(APPEND vargs -I${inc})
  endforeach()
  list(APPEND vargs ${ARG_ARGS})
  set(extra "")
  if(ARG_SYSTEMC)
    list(APPEND extra SYSTEMC)
  endif()
  if(ARG_TRACE_FST)
    list(APPEND extra TRACE_FST)
  endif()
  if(ARG_THREADS)
    list(APPEND extra THREADS ${ARG_THREADS})
  endif()
  add_library(${target} STATIC)
  verilate(${target} ${extra}
    SOURCES ${rtl} ${ARG_SOURCES}
    TOP_MODULE ${ARG_TOP}
    PREFIX V${ARG_TOP}_${ARG_CONFIG}
    DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/verilated/${target}
    VERILATOR_ARGS ${vargs}
    OPT_FAST ${opt_fast} OPT_SLOW -O1 OPT_GLOBAL -O2)
  # Debug info on multi-megabyte generated sources costs minutes and is never used.
  target_compile_options(${target} PRIVATE -g0 -w)
  target_link_libraries(${target} PUBLIC Threads::Threads)
endfunction()
