# Installs the exported targets and a package config, so that a user's project can
#   find_package(kubecpp 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE kubecpp::core)
include(CMakePackageConfigHelpers)
set(KUBECPP_CMAKE_DIR lib/cmake/kubecpp)

install(EXPORT kubecppTargets NAMESPACE kubecpp:: DESTINATION ${KUBECPP_CMAKE_DIR})
configure_package_config_file(cmake/kubecppConfig.cmake.in
  "${PROJECT_BINARY_DIR}/kubecppConfig.cmake" INSTALL_DESTINATION ${KUBECPP_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/kubecppConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/kubecppConfig.cmake"
              "${PROJECT_BINARY_DIR}/kubecppConfigVersion.cmake"
        DESTINATION ${KUBECPP_CMAKE_DIR})
