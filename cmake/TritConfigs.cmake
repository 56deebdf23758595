# Named accelerator configurations from rtl/configs.json (the one place an array shape is set).
#
#   trit_config_names(<out> [ROLE test|bench])   names, optionally of one role
#   trit_config_load(<name> <prefix>)            sets <prefix>_ROWS, _COLS, _LANES, _BUS_BITS,
#                                                _ADDR_BITS, _K_MAX, _MAX_BURST, _READS_IN_FLIGHT,
#                                                _WEIGHT_FIFO_BEATS, _CLOCK_KHZ, _ROLE, and
#                                                <prefix>_PARAMS (the trit_top -G list)

set(TRIT_CONFIGS_FILE ${PROJECT_SOURCE_DIR}/rtl/configs.json)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${TRIT_CONFIGS_FILE})
file(READ ${TRIT_CONFIGS_FILE} TRIT_CONFIGS_JSON)

function(trit_config_names out)
  cmake_parse_arguments(ARG "" "ROLE" "" ${ARGN})
  string(JSON n LENGTH "${TRIT_CONFIGS_JSON}")
  set(names "")
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON name MEMBER "${TRIT_CONFIGS_JSON}" ${i})
    if(name MATCHES "^_")
      continue()
    endif()
    if(ARG_ROLE)
      string(JSON role GET "${TRIT_CONFIGS_JSON}" ${name} role)
      if(NOT role STREQUAL ARG_ROLE)
        continue()
      endif()
    endif()
    list(APPEND names ${name})
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

function(trit_config_load name prefix)
  string(JSON obj ERROR_VARIABLE err GET "${TRIT_CONFIGS_JSON}" ${name})
  if(err)
    message(FATAL_ERROR "configuration '${name}' is not in rtl/configs.json")
  endif()
  foreach(key rows cols lanes bus_bits addr_bits k_max max_burst reads_in_flight weight_fifo_beats clock_khz role)
    string(JSON v GET "${obj}" ${key})
    string(TOUPPER ${key} KEY)
    set(${prefix}_${KEY} ${v} PARENT_SCOPE)
    set(_${KEY} ${v})
  endforeach()
  set(${prefix}_PARAMS
    NumRows=${_ROWS} NumCols=${_COLS} NumLanes=${_LANES} AxiDataWidth=${_BUS_BITS}
    AxiAddrWidth=${_ADDR_BITS} KMax=${_K_MAX} MaxBurstBeats=${_MAX_BURST}
    MaxReadsInFlight=${_READS_IN_FLIGHT} WeightFifoBeats=${_WEIGHT_FIFO_BEATS}
    ClockKhz=${_CLOCK_KHZ}
    PARENT_SCOPE)
endfunction()
