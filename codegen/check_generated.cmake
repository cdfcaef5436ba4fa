# Regenerates the built-in types into a scratch directory of the build tree and fails
# when they differ from the files checked in under sdk/api.
#   cmake -DCODEGEN=<kube-codegen> -DSOURCE_ROOT=<repo> -DOUT=<scratch dir> -P check_generated.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${OUT}")
file(GLOB schemas RELATIVE "${SOURCE_ROOT}" "${SOURCE_ROOT}/codegen/schemas/*.yaml")
execute_process(COMMAND "${CODEGEN}" --out "${OUT}" --source-root . ${schemas}
                WORKING_DIRECTORY "${SOURCE_ROOT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kube-codegen failed on codegen/schemas (exit ${rc})")
endif()
file(GLOB_RECURSE generated RELATIVE "${OUT}" "${OUT}/*")
file(GLOB_RECURSE checked_in RELATIVE "${SOURCE_ROOT}/sdk/api" "${SOURCE_ROOT}/sdk/api/*/types.h"
     "${SOURCE_ROOT}/sdk/api/*/types.cc")
list(SORT generated)
list(SORT checked_in)
set(stale "")
foreach(f IN LISTS generated)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${OUT}/${f}" "${SOURCE_ROOT}/sdk/api/${f}"
                  RESULT_VARIABLE differs)
  if(NOT differs EQUAL 0)
    list(APPEND stale "sdk/api/${f}")
  endif()
endforeach()
foreach(f IN LISTS checked_in)
  if(NOT f IN_LIST generated)
    list(APPEND stale "sdk/api/${f} (no longer generated)")
  endif()
endforeach()
if(stale)
  list(JOIN stale "\n  " text)
  message(FATAL_ERROR "generated built-in types are out of date:\n  ${text}\n"
          "regenerate with: cmake --build <build dir> --target kubecpp_regenerate_api")
endif()
message(STATUS "sdk/api matches codegen/schemas")
