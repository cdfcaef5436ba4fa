# kubecpp_generate(): C++ types from CustomResourceDefinitions, at build time.
#
#   kubecpp_generate(TARGET <name> CRDS <file>... [NAMESPACE <ns>] [INCLUDE_PREFIX <p>])
#
# Runs kube-codegen on the CRD (or OpenAPI v3) files whenever they or the generator
# change, and makes a static library <name> (linking kubecpp::core) from the output.
# Headers are included as "<INCLUDE_PREFIX>/<group>/<version>/types.h"; INCLUDE_PREFIX
# defaults to <name>, NAMESPACE (the C++ namespace root) to <name>.
function(kubecpp_generate)
  cmake_parse_arguments(ARG "" "TARGET;NAMESPACE;INCLUDE_PREFIX" "CRDS" ${ARGN})
  if(NOT ARG_TARGET OR NOT ARG_CRDS)
    message(FATAL_ERROR "kubecpp_generate: TARGET and CRDS are required")
  endif()
  if(NOT ARG_NAMESPACE)
    set(ARG_NAMESPACE ${ARG_TARGET})
  endif()
  if(NOT ARG_INCLUDE_PREFIX)
    set(ARG_INCLUDE_PREFIX ${ARG_TARGET})
  endif()
  set(gen_root "${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}_generated")
  set(out_dir "${gen_root}/${ARG_INCLUDE_PREFIX}")
  set(crd_paths "")
  foreach(crd IN LISTS ARG_CRDS)
    get_filename_component(abs "${crd}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND crd_paths "${abs}")
  endforeach()
  # One source file that includes every generated types.cc, so the outputs are known
  # before the generator runs; the headers are found through the compiler's depfile.
  set(sources "${out_dir}/kubecpp_generated.cc")
  add_custom_command(
    OUTPUT ${sources}
    COMMAND kube-codegen --out "${out_dir}" --namespace "${ARG_NAMESPACE}"
            --include-prefix "${ARG_INCLUDE_PREFIX}" --source-root "${CMAKE_CURRENT_SOURCE_DIR}"
            --aggregate kubecpp_generated.cc ${crd_paths}
    # The generator rewrites only changed files; touch the output so the rule is satisfied.
    COMMAND ${CMAKE_COMMAND} -E touch ${sources}
    DEPENDS ${crd_paths} kube-codegen
    COMMENT "kube-codegen: generating ${ARG_TARGET}"
    VERBATIM)
  add_custom_target(${ARG_TARGET}_codegen DEPENDS ${sources})
  add_library(${ARG_TARGET} STATIC ${sources})
  add_dependencies(${ARG_TARGET} ${ARG_TARGET}_codegen)
  target_include_directories(${ARG_TARGET} PUBLIC "${gen_root}")
  target_link_libraries(${ARG_TARGET} PUBLIC kubecpp::core)
  target_compile_features(${ARG_TARGET} PUBLIC cxx_std_20)
  if(COMMAND kubecpp_target_defaults)
    kubecpp_target_defaults(${ARG_TARGET})
  endif()
endfunction()
