# The CMake counterparts of the Bazel rules sdbench uses. A target is named
# after its Bazel label: //lib/io:file_io is lib_io_file_io, //lib/io:file_io_test
# the test lib_io_file_io_test. Binaries land in the build folder at their
# package path (build/experiments/runner), and data files are linked there
# too, so the build folder is laid out like Bazel's runfiles tree and tests
# run from it with the same relative paths.

# The package of the current CMakeLists.txt ("lib/io") and its prefix ("lib_io").
function(_sdbench_package out_package out_prefix)
  file(RELATIVE_PATH package "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
  string(REPLACE "/" "_" prefix "${package}")
  set(${out_package} "${package}" PARENT_SCOPE)
  set(${out_prefix} "${prefix}" PARENT_SCOPE)
endfunction()

# sdbench_library(NAME [SRCS ...] [HDRS ...] [DEPS ...])
function(sdbench_library name)
  cmake_parse_arguments(A "" "" "SRCS;HDRS;DEPS" ${ARGN})
  _sdbench_package(package prefix)
  set(target ${prefix}_${name})
  if(A_SRCS)
    add_library(${target} STATIC ${A_SRCS} ${A_HDRS})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} PUBLIC ${A_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE ${A_DEPS})
  endif()
endfunction()

# sdbench_binary(NAME SRCS ... [DEPS ...])
function(sdbench_binary name)
  cmake_parse_arguments(A "" "" "SRCS;DEPS" ${ARGN})
  _sdbench_package(package prefix)
  add_executable(${prefix}_${name} ${A_SRCS})
  set_target_properties(${prefix}_${name} PROPERTIES OUTPUT_NAME ${name})
  target_include_directories(${prefix}_${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${prefix}_${name} PRIVATE ${A_DEPS} Threads::Threads)
endfunction()

# Runs a test the way Bazel does: from the build folder (the runfiles
# root), with a fresh, empty TEST_TMPDIR and the prepared CIFAR-10 if any.
set(SDBENCH_DATA_DIR "${PROJECT_SOURCE_DIR}/data" CACHE PATH
    "prepared datasets for the tests that read real CIFAR-10")
function(_sdbench_add_test name)
  set(tmp "${PROJECT_BINARY_DIR}/test_tmp/${name}")
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env "TEST_TMPDIR=${tmp}"
                   "SDBENCH_DATA_DIR=${SDBENCH_DATA_DIR}"
                   bash "${PROJECT_SOURCE_DIR}/cmake/run_test.sh" "${tmp}" ${ARGN}
           WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
endfunction()

# sdbench_test(NAME SRCS ... [DEPS ...] [ARGS ...])
function(sdbench_test name)
  cmake_parse_arguments(A "" "" "SRCS;DEPS;ARGS" ${ARGN})
  _sdbench_package(package prefix)
  sdbench_binary(${name} SRCS ${A_SRCS} DEPS ${A_DEPS})
  _sdbench_add_test(${prefix}_${name} "${package}/${name}" ${A_ARGS})
endfunction()

# sdbench_sh_test(NAME SCRIPT script.sh [ARGS ...] [DEPENDS targets...])
function(sdbench_sh_test name)
  cmake_parse_arguments(A "" "SCRIPT" "ARGS;DEPENDS" ${ARGN})
  _sdbench_package(package prefix)
  _sdbench_add_test(${prefix}_${name} bash "${CMAKE_CURRENT_SOURCE_DIR}/${A_SCRIPT}" ${A_ARGS})
endfunction()

# sdbench_experiment(NAME CONFIG file.json [DEFAULT_ARGS ...]): the
# counterpart of experiment.bzl: build/experiments/NAME runs the experiment
# as `bazel run //experiments:NAME` does (results, checkpoints and data in
# the source tree unless flags say otherwise), and NAME_smoke_test.
function(sdbench_experiment name)
  cmake_parse_arguments(A "" "CONFIG" "DEFAULT_ARGS" ${ARGN})
  _sdbench_package(package prefix)
  string(REPLACE ";" " " default_args "${A_DEFAULT_ARGS}")
  set(SDBENCH_EXPERIMENT_CONFIG "${CMAKE_CURRENT_SOURCE_DIR}/${A_CONFIG}")
  sdbench_link_data(${package}/${A_CONFIG})
  set(SDBENCH_EXPERIMENT_ARGS "${default_args}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/experiment.sh.in"
                 "${CMAKE_CURRENT_BINARY_DIR}/${name}" @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                                  GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  _sdbench_add_test(${prefix}_${name}_smoke_test bash
                    "${CMAKE_CURRENT_SOURCE_DIR}/smoke_test.sh" experiments/runner
                    "${package}/${A_CONFIG}" lib/results/validate)
endfunction()

# Links a source file or folder into the build folder at the same path.
function(sdbench_link_data path)
  sdbench_link_data_as(${path} ${path})
endfunction()

function(sdbench_link_data_as path as)
  get_filename_component(parent "${PROJECT_BINARY_DIR}/${as}" DIRECTORY)
  file(MAKE_DIRECTORY "${parent}")
  file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${path}" "${PROJECT_BINARY_DIR}/${as}" SYMBOLIC)
endfunction()

# The committed results tree: every JSON file under results/ but the
# git-ignored results/quickstart/ (every user's own), as Bazel's
# //results:committed, plus results/README.md.
function(sdbench_link_committed_results)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS RELATIVE "${PROJECT_SOURCE_DIR}" "${PROJECT_SOURCE_DIR}/results/*.json")
  foreach(file ${files} results/README.md)
    if(NOT file MATCHES "^results/quickstart/")
      sdbench_link_data(${file})
    endif()
  endforeach()
endfunction()
