# NCBCTL_FUZZ: the libFuzzer targets of tests/fuzz. Clang only, in a build directory of its own
# (scripts/test uses build/fuzz): every object is built with coverage for libFuzzer plus ASan and
# UBSan, so a crash, a leak or undefined behaviour in the code under test ends the run with a report.
if(NCBCTL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NCBCTL_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-19 "
                        "(apt-get install clang-19 libclang-rt-19-dev, or scripts/deps fuzz)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
