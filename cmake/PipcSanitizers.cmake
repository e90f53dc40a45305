# -DPIPC_SANITIZE=ON builds the core and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer; any report aborts the test that caused it.
option(PIPC_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

function(pipc_enable_sanitizers target)
  if(PIPC_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      # Whatever links the instrumented archive needs the runtimes too.
      target_link_options(${target} INTERFACE -fsanitize=address,undefined)
    elseif(NOT type STREQUAL "OBJECT_LIBRARY")
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
  endif()
endfunction()
