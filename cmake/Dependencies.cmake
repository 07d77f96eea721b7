# Every dependency comes from Debian's packages; a missing one names the package to install.
function(ncbctl_require pkg debian)
  find_package(${pkg} ${ARGN} QUIET)
  if(NOT ${pkg}_FOUND)
    message(FATAL_ERROR "ncbctl needs ${pkg}: apt-get install ${debian}  (or run scripts/deps)")
  endif()
endfunction()

ncbctl_require(CURL libcurl4-openssl-dev)
ncbctl_require(nlohmann_json nlohmann-json3-dev)
ncbctl_require(spdlog libspdlog-dev)
ncbctl_require(yaml-cpp libyaml-cpp-dev)
ncbctl_require(CLI11 libcli11-dev)
ncbctl_require(OpenSSL libssl-dev)
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
if(NCBCTL_BUILD_TESTS)
  ncbctl_require(Catch2 catch2)
  list(APPEND CMAKE_MODULE_PATH ${Catch2_DIR})  # Catch.cmake (catch_discover_tests) lives beside the config
endif()
# Debian's yaml-cpp exports the target as yaml-cpp; older configs only set variables.
if(NOT TARGET yaml-cpp AND TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp ALIAS yaml-cpp::yaml-cpp)
endif()
