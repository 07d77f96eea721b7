function(ncbctl_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wconversion
-Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
    -Wno-missing-field-initializers)  # designated initializers leave the rest defaulted on purpose
  if(NCBCTL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
