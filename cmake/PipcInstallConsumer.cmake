# Test script (cmake -P): installs the built core into a scratch prefix, then
# builds and runs the C examples against it twice, once through
# find_package(posixipc) and once through pkg-config.
#   -DSOURCE_DIR=<repo> -DBINARY_DIR=<build> -DWORK_DIR=<scratch>
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${prefix}")

# find_package
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/c" -B "${WORK_DIR}/cmake-build"
    "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/cmake-build")
file(GLOB examples "${SOURCE_DIR}/examples/c/*.c")
foreach(src ${examples})
  get_filename_component(name "${src}" NAME_WE)
  run("${WORK_DIR}/cmake-build/${name}")
  message(STATUS "find_package build of ${name}: ${last_output}")
endforeach()

# pkg-config, as a C user without CMake would build.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pcfile "${prefix}/*/posixipc.pc")
get_filename_component(pcdir "${pcfile}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
run(${PKG_CONFIG} --cflags --libs posixipc)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${PKG_CONFIG} --variable=libdir posixipc)
string(STRIP "${last_output}" libdir)
foreach(src ${examples})
  get_filename_component(name "${src}" NAME_WE)
  run(cc -std=c11 -Wall -Werror -o "${WORK_DIR}/${name}-pc" "${src}" ${flags} "-Wl,-rpath,${libdir}")
  run("${WORK_DIR}/${name}-pc")
  message(STATUS "pkg-config build of ${name}: ${last_output}")
endforeach()
