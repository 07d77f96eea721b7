# The layers of docs/architecture.md as static libraries whose includes are checked at build time.
#
# ncbctl_layer(NAME DIRS d... [SEES d...] [EXCEPT file=dir+dir...] [DEPS t...]) builds the sources of src/<d>/ (recursively) into a
# static library NAME. Before it compiles, cmake/check_layer.cmake reads every source and header of the
# layer: an `#include "x/..."` of a directory of src/ that is neither one of its DIRS nor one of its SEES
# fails the build, naming file:line and the arrow it breaks. So a layer can include only what its arrows
# allow (include/ncbctl, the ports, is open to every layer). The check runs again whenever a file changes.
# EXCEPT names a file (relative to src/) that may see more, until it is mended: each one is a known debt,
# listed where the layer is declared so that it stays visible.
set(NCBCTL_LAYER_CHECK ${CMAKE_CURRENT_LIST_DIR}/check_layer.cmake)

function(ncbctl_layer name)
  cmake_parse_arguments(L "" "" "DIRS;SEES;EXCEPT;DEPS" ${ARGN})
  set(sources)
  set(files)
  foreach(d IN LISTS L_DIRS)
    file(GLOB_RECURSE s CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${d}/*.cpp)
    file(GLOB_RECURSE h CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${d}/*.hpp)
    list(APPEND sources ${s})
    list(APPEND files ${s} ${h})
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${L_DEPS})
  ncbctl_warnings(${name})
  ncbctl_sanitize(${name})

  set(list_file ${CMAKE_BINARY_DIR}/layers/${name}.files)
  string(REPLACE ";" "\n" lines "${files}")
  file(WRITE ${list_file} "${lines}\n")
  set(stamp ${CMAKE_BINARY_DIR}/layers/${name}.ok)
  string(REPLACE ";" "," allowed "ncbctl;${L_DIRS};${L_SEES}")
  string(REPLACE ";" "," except "${L_EXCEPT}")
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DLAYER=${name} -DALLOWED=${allowed} -DEXCEPT=${except} -DFILES=${list_file}
            -DSRC=${PROJECT_SOURCE_DIR}/src -P ${NCBCTL_LAYER_CHECK}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${files} ${list_file} ${NCBCTL_LAYER_CHECK}
    COMMENT "Checking the includes of layer ${name}" VERBATIM)
  add_custom_target(${name}_includes DEPENDS ${stamp})
  add_dependencies(${name} ${name}_includes)
endfunction()
