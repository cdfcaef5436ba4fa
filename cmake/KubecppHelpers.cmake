# One helper per kind of target, so that a module's CMakeLists.txt is a few lines.
#
#   kubecpp_library(<module> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#     Static library `kubecpp_<module>`, alias and export name `kubecpp::<module>`.
#     Public headers are the *.h files beside the sources (not internal/), included
#     as "kubecpp/<module>/<header>.h" both in the tree and once installed.
#   kubecpp_test(<name> SOURCES ... DEPS ...)
#     GoogleTest executable linked with gtest_main and gmock, registered with ctest
#     one test case at a time.
#   kubecpp_binary(<name> SOURCES ... DEPS ... [INSTALL])
#     Executable; INSTALL puts it in bin/.

set(KUBECPP_INCLUDE_ROOT "${PROJECT_BINARY_DIR}/include")
# In the tree, "kubecpp/<module>/x.h" resolves through this link to sdk/<module>/x.h.
file(MAKE_DIRECTORY "${KUBECPP_INCLUDE_ROOT}")
file(CREATE_LINK "${PROJECT_SOURCE_DIR}/sdk" "${KUBECPP_INCLUDE_ROOT}/kubecpp" SYMBOLIC)

set(KUBECPP_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    # Options structs are meant for designated initializers that leave defaults out;
    # GCC 12 would flag every omitted member.
    -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND KUBECPP_WARNINGS -Wthread-safety)
endif()

function(kubecpp_target_defaults target)
  target_compile_options(${target} PRIVATE ${KUBECPP_WARNINGS})
  if(KUBECPP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(KUBECPP_SANITIZE STREQUAL "address")
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  elseif(KUBECPP_SANITIZE STREQUAL "thread")
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # Boost.Asio's fenced blocks use atomic_thread_fence, which GCC's -Wtsan flags.
      target_compile_options(${target} PRIVATE -Wno-tsan)
    endif()
    target_link_options(${target} PRIVATE -fsanitize=thread)
  elseif(NOT KUBECPP_SANITIZE STREQUAL "")
    message(FATAL_ERROR "KUBECPP_SANITIZE must be '', 'address' or 'thread'")
  endif()
endfunction()

function(kubecpp_library module)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target kubecpp_${module})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(kubecpp::${module} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${module}
                                             POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_include_directories(${target} PUBLIC
    "$<BUILD_INTERFACE:${KUBECPP_INCLUDE_ROOT}>" "$<INSTALL_INTERFACE:include>")
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  kubecpp_target_defaults(${target})
  # Public headers, with their subfolders; internal/ stays private.
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}"
       "${CMAKE_CURRENT_SOURCE_DIR}/*.h")
  foreach(header IN LISTS headers)
    if(NOT header MATCHES "(^|/)internal/")
      get_filename_component(dir "${header}" DIRECTORY)
      install(FILES "${header}" DESTINATION "include/kubecpp/${module}/${dir}")
    endif()
  endforeach()
  install(TARGETS ${target} EXPORT kubecppTargets ARCHIVE DESTINATION lib)
endfunction()

function(kubecpp_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  kubecpp_target_defaults(${name})
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST)
endfunction()

function(kubecpp_binary name)
  cmake_parse_arguments(ARG "INSTALL" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  kubecpp_target_defaults(${name})
  if(ARG_INSTALL)
    install(TARGETS ${name} RUNTIME DESTINATION bin)
  endif()
endfunction()
