# Warnings are errors for the project's own code: the core is small enough to
# keep clean, and a warning in C is often a bug.
function(pipc_enable_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wundef
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes>)
endfunction()
