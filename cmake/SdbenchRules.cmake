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

# Sets OUT to ON when FILE includes <torch/torch.h>, itself or through the
# project's headers it includes ("lib/...", "experiments/..."). Each file is
# read once (the answer is kept as a global property). The same scan, in
# Python (tools/libtorch_use.py), picks the files of tools/check_libtorch2.sh
# and the Bazel targets that take the precompiled header (no Python needed here).
function(_sdbench_includes_torch file out)
  get_property(known GLOBAL PROPERTY "sdbench_torch:${file}" SET)
  if(NOT known)
    set_property(GLOBAL PROPERTY "sdbench_torch:${file}" OFF)  # Ends a cycle.
    set(found OFF)
    file(STRINGS "${file}" includes REGEX "^#include [<\"]")
    foreach(line IN LISTS includes)
      if(line MATCHES "^#include <torch/torch\\.h>")
        set(found ON)
      elseif(line MATCHES "^#include \"([^\"]+)\"")
        set(header "${PROJECT_SOURCE_DIR}/${CMAKE_MATCH_1}")
        if(EXISTS "${header}")
          _sdbench_includes_torch("${header}" found)
        endif()
      endif()
      if(found)
        break()
      endif()
    endforeach()
    set_property(GLOBAL PROPERTY "sdbench_torch:${file}" ${found})
  endif()
  get_property(found GLOBAL PROPERTY "sdbench_torch:${file}")
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# Gives TARGET's sources that include <torch/torch.h> the precompiled one
# (SDBENCH_PRECOMPILED_TORCH in cmake/SdbenchDependencies.cmake).
function(_sdbench_precompiled_torch target)
  if(NOT SDBENCH_PRECOMPILED_TORCH)
    return()
  endif()
  foreach(src IN LISTS ARGN)
    if(src MATCHES "\\.cc$")
      _sdbench_includes_torch("${CMAKE_CURRENT_SOURCE_DIR}/${src}" found)
      if(found)
        target_precompile_headers(${target} REUSE_FROM sdbench_torch_pch)
        return()
      endif()
    endif()
  endforeach()
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
    _sdbench_precompiled_torch(${target} ${A_SRCS})
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
  _sdbench_precompiled_torch(${prefix}_${name} ${A_SRCS})
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

# sdbench_experiments(): the counterpart of experiment.bzl: every NAME.json
# in this folder is an experiment; build/<folder>/NAME runs it as `bazel run
# //experiments:NAME` does (results, checkpoints and data in the source tree
# unless flags say otherwise), and NAME_smoke_test runs its smoke profile.
# A new config file is found at the next build (CONFIGURE_DEPENDS).
function(sdbench_experiments)
  _sdbench_package(package prefix)
  file(GLOB configs CONFIGURE_DEPENDS RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}"
       "${CMAKE_CURRENT_SOURCE_DIR}/*.json")
  sdbench_link_data(${package}/presets)
  foreach(config ${configs})
    string(REGEX REPLACE "\\.json$" "" name "${config}")
    set(SDBENCH_EXPERIMENT_CONFIG "${CMAKE_CURRENT_SOURCE_DIR}/${config}")
    sdbench_link_data(${package}/${config})
    configure_file("${PROJECT_SOURCE_DIR}/cmake/experiment.sh.in"
                   "${CMAKE_CURRENT_BINARY_DIR}/${name}" @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                                    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    _sdbench_add_test(${prefix}_${name}_smoke_test bash
                      "${CMAKE_CURRENT_SOURCE_DIR}/smoke_test.sh" experiments/runner
                      "${package}/${config}" lib/results/validate)
  endforeach()
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
