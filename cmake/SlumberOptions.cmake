# Compiler settings shared by every slumber target, applied through the
# interface library slumber::options.
add_library(slumber_options INTERFACE)
add_library(slumber::options ALIAS slumber_options)

target_compile_options(slumber_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                                 -Wno-sign-conversion -Wnon-virtual-dtor)
# In a unity batch every file but the batch's own is a header to GCC, which
# then warns of each anonymous-namespace type in a lambda or member of a
# class with linkage (-Wsubobject-linkage): true of a header, not of a .cpp.
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(slumber_options INTERFACE -Wno-subobject-linkage)
endif()
if(SLUMBER_WERROR)
  target_compile_options(slumber_options INTERFACE -Werror)
endif()
# The sanitized Debian 13 preset (trixie-asan-ubsan, what CI runs) and the
# fuzz preset build at -O1 -g1 (CMakePresets.json): -O1 as the sanitizers'
# and libFuzzer's documentation advise, and line tables (-g1) are all their
# reports need. It halves the build, the
# longest step of CI: simulate_test.cpp took 40 s at -O2 -g and 20 s at -O1 -g1
# (GCC 12, both sanitizers, 2026-12-01). The release preset keeps -O2 with
# -g1 too: backtraces and line numbers, without the variable locations that
# cost a fifth of its compile time (measured on one TU). The Debian package
# builds with dpkg-buildflags' own (-g -O2).
if(SLUMBER_SANITIZE)
  target_compile_options(slumber_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                   -fno-sanitize-recover=undefined)
  target_link_options(slumber_options INTERFACE -fsanitize=address,undefined)
  # GCC 14 at -O2 with the sanitizers' instrumentation reports
  # -Wmaybe-uninitialized inside libstdc++'s <regex> automaton (the
  # std::function of a moved _State: soak_test.cpp, seen 2026-11-30), code
  # that GCC 14 without them and GCC 12 build clean.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(slumber_options INTERFACE -Wno-maybe-uninitialized)
  endif()
endif()
if(SLUMBER_FUZZ)
  # -fno-sanitize-recover=all: undefined behaviour stops the fuzzer like a
  # crash, so that it is saved and reported, not logged and run past.
  target_compile_options(slumber_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                   -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(slumber_options INTERFACE -fsanitize=address,undefined)
endif()
target_include_directories(slumber_options INTERFACE ${PROJECT_SOURCE_DIR}/src)

# slumber_library(NAME SOURCES... DEPENDS...): one small library per concept.
function(slumber_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(slumber_${name} STATIC ${ARG_SOURCES})
  add_library(slumber::${name} ALIAS slumber_${name})
  target_link_libraries(slumber_${name} PUBLIC slumber::options ${ARG_DEPENDS})
endfunction()
