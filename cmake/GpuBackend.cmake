# Decide whether the GPU backend is built, and enable the CUDA language when it is. Included once
# from the top-level CMakeLists.txt (enable_language must run at the top level).
#
# GRUSCOPE_GPU: AUTO builds the backend when a CUDA 13 toolkit and cuDNN 9 headers are found and a
# test .cu file (cmake/gpu-smoke.cu) compiles with them; ON makes their absence a configure error;
# OFF never builds it (and never enables CUDA). The toolkit is taken from, in this order:
#   1. CMAKE_CUDA_COMPILER, else CUDAToolkit_ROOT (variable or environment), when given;
#   2. GRUSCOPE_CUDA_WHEELS (default .toolchain/cuda): the PyPI wheels tools/dev installs there
#      (nvidia/cu13 = nvcc, nvvm, crt, runtime, cccl; nvidia/cudnn = cuDNN), so every machine
#      builds with the same toolchain even where /usr/local/cuda exists;
#   3. /usr/local/cuda, then nvcc on PATH.
# cuDNN headers: CUDNN_ROOT (variable or environment) when given, else the wheel folder when the
# toolkit comes from it, else beside the toolkit, the wheel folder, /usr/include.
# The toolkit of a build folder is fixed once CUDA is enabled there: pass -DCMAKE_CUDA_COMPILER (as
# tools/dev does) or use a new build folder to change it.
#
# Results for the rest of the project:
#   GRUSCOPE_GPU_ENABLED         ON when the GPU backend is built
#   GRUSCOPE_GPU_REASON          what was used, or why nothing was ("CUDA 13.5.37 (wheels in
#                                .toolchain/cuda), cuDNN 9.28.1 headers (wheels in .toolchain/cuda)");
#                                never contains a semicolon, so it can be a compile definition
#   GRUSCOPE_CUDNN_INCLUDE_DIR   the folder holding cudnn.h
#   GRUSCOPE_CUBLAS_HEADERS      ON when cublas_v2.h is beside the toolkit (never with the wheels:
#                                cuBLAS is not installed; load it with dlopen if it is ever needed)
#   GRUSCOPE_CUDA_VERSION, GRUSCOPE_CUDNN_VERSION, GRUSCOPE_CUDA_TOOLKIT_ROOT
#   gruscope_gpu_sources(<target> <source>...)   adds .cu/.cpp GPU sources to a target, see below
#
# Nothing from CUDA is linked dynamically into the programs: the CUDA runtime is linked statically
# (it loads the driver with dlopen, so a machine without a driver still starts the program and gets
# cudaErrorInsufficientDriver), and cuDNN is loaded with dlopen at run time.

include_guard(GLOBAL)
if(NOT CMAKE_CURRENT_SOURCE_DIR STREQUAL CMAKE_SOURCE_DIR)
  message(FATAL_ERROR "cmake/GpuBackend.cmake must be included from the top-level CMakeLists.txt (CUDA is enabled there)")
endif()

set(GRUSCOPE_CUDA_WHEELS "${CMAKE_SOURCE_DIR}/.toolchain/cuda" CACHE PATH
  "Folder with the CUDA 13 and cuDNN 9 PyPI wheels (pip install --target), as tools/dev installs them")
# sm_90 machine code for H100/H200 (runs with any CUDA 13 driver), plus compute_90 PTX that newer
# GPUs compile at load time. nvcc 13 no longer targets the oldest architectures.
set(GRUSCOPE_CUDA_ARCHITECTURES "90-real;90-virtual" CACHE STRING "CUDA_ARCHITECTURES of the GPU sources")

set(GRUSCOPE_GPU_ENABLED OFF)
set(GRUSCOPE_GPU_REASON "disabled at configure time (GRUSCOPE_GPU=OFF)")
unset(GRUSCOPE_CUDNN_INCLUDE_DIR CACHE) # a cache entry of earlier versions of this file
set(GRUSCOPE_CUDNN_INCLUDE_DIR "")
set(GRUSCOPE_CUBLAS_HEADERS OFF)
set(GRUSCOPE_CUDA_VERSION "")
set(GRUSCOPE_CUDNN_VERSION "")
set(GRUSCOPE_CUDA_TOOLKIT_ROOT "")

# A path for messages: relative to the source tree when inside it.
function(_gruscope_gpu_show out path)
  file(RELATIVE_PATH rel "${CMAKE_SOURCE_DIR}" "${path}")
  if(rel MATCHES "^\\.\\./" OR IS_ABSOLUTE "${rel}")
    set(rel "${path}")
  endif()
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()

# Finds nvcc and the cuDNN headers and checks them. Sets in the caller: _gs_why (empty when usable),
# _gs_nvcc, _gs_root, _gs_cuda_version, _gs_cuda_from, _gs_cudnn_inc, _gs_cudnn_version, _gs_cudnn_from.
function(_gruscope_gpu_find)
  set(_gs_why "" PARENT_SCOPE)
  get_filename_component(wheels "${GRUSCOPE_CUDA_WHEELS}" ABSOLUTE)
  _gruscope_gpu_show(wheels_shown "${wheels}")
  set(nvcc "")
  if(CMAKE_CUDA_COMPILER AND NOT CMAKE_CUDA_COMPILER MATCHES "NOTFOUND$")
    set(nvcc "${CMAKE_CUDA_COMPILER}")
    if(NOT IS_ABSOLUTE "${nvcc}")
      find_program(nvcc_path "${nvcc}" NO_CACHE)
      set(nvcc "${nvcc_path}")
    endif()
    set(given "CMAKE_CUDA_COMPILER=${CMAKE_CUDA_COMPILER}")
  elseif(CUDAToolkit_ROOT OR DEFINED ENV{CUDAToolkit_ROOT})
    set(root "${CUDAToolkit_ROOT}")
    if(NOT root)
      set(root "$ENV{CUDAToolkit_ROOT}")
    endif()
    set(nvcc "${root}/bin/nvcc")
    set(given "CUDAToolkit_ROOT=${root}")
  elseif(EXISTS "${wheels}/nvidia/cu13/bin/nvcc")
    set(nvcc "${wheels}/nvidia/cu13/bin/nvcc")
  elseif(EXISTS /usr/local/cuda/bin/nvcc)
    set(nvcc /usr/local/cuda/bin/nvcc)
  else()
    find_program(nvcc_path nvcc NO_CACHE)
    if(nvcc_path)
      set(nvcc "${nvcc_path}")
    endif()
  endif()
  if(NOT nvcc OR NOT EXISTS "${nvcc}")
    if(given)
      set(_gs_why "no nvcc at ${given}" PARENT_SCOPE)
    else()
      set(_gs_why "CUDA toolkit not found (no wheels in ${wheels_shown}: run tools/dev deps; no /usr/local/cuda, no nvcc on PATH)" PARENT_SCOPE)
    endif()
    return()
  endif()
  get_filename_component(bin "${nvcc}" DIRECTORY)
  get_filename_component(root "${bin}" DIRECTORY)
  if(NOT EXISTS "${root}/nvvm/bin/cicc")
    # A link to nvcc (/usr/bin/nvcc -> /usr/local/cuda-13.0/bin/nvcc): the toolkit is where it points.
    get_filename_component(real_nvcc "${nvcc}" REALPATH)
    get_filename_component(real_bin "${real_nvcc}" DIRECTORY)
    get_filename_component(real_root "${real_bin}" DIRECTORY)
    if(EXISTS "${real_root}/nvvm/bin/cicc")
      set(nvcc "${real_nvcc}")
      set(root "${real_root}")
    endif()
  endif()
  set(_gs_nvcc "${nvcc}" PARENT_SCOPE)
  set(_gs_root "${root}" PARENT_SCOPE)
  get_filename_component(real_root "${root}" REALPATH)
  get_filename_component(real_wheels "${wheels}/nvidia/cu13" REALPATH)
  if(real_root STREQUAL real_wheels)
    set(from_wheels TRUE)
    set(cuda_from "wheels in ${wheels_shown}")
  else()
    set(from_wheels FALSE)
    _gruscope_gpu_show(cuda_from "${root}")
  endif()
  set(_gs_cuda_from "${cuda_from}" PARENT_SCOPE)

  if(NOT EXISTS "${root}/nvvm/bin/cicc")
    if(from_wheels)
      set(_gs_why "nvcc in ${cuda_from} has no nvvm/bin/cicc beside it (the nvidia-nvvm wheel is missing)" PARENT_SCOPE)
    else()
      set(_gs_why "${nvcc} has no nvvm/bin/cicc beside it (not a complete CUDA toolkit)" PARENT_SCOPE)
    endif()
    return()
  endif()
  execute_process(COMMAND "${nvcc}" --version OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "release ([0-9]+)\\.([0-9]+), V([0-9.]+)")
    string(STRIP "${out}" out)
    set(_gs_why "${nvcc} --version failed: ${out}" PARENT_SCOPE)
    return()
  endif()
  set(major "${CMAKE_MATCH_1}")
  set(version "${CMAKE_MATCH_3}")
  set(_gs_cuda_version "${version}" PARENT_SCOPE)
  if(major LESS 13)
    set(_gs_why "CUDA ${version} found (${cuda_from}), 13 or newer needed" PARENT_SCOPE)
    return()
  endif()

  # cuDNN headers.
  set(cudnn_root "${CUDNN_ROOT}")
  if(NOT cudnn_root AND DEFINED ENV{CUDNN_ROOT})
    set(cudnn_root "$ENV{CUDNN_ROOT}")
  endif()
  if(cudnn_root)
    set(candidates "${cudnn_root}/include")
  else()
    set(candidates "")
    if(from_wheels)
      list(APPEND candidates "${wheels}/nvidia/cudnn/include")
    endif()
    list(APPEND candidates "${root}/include" "${wheels}/nvidia/cudnn/include" /usr/include
         "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}")
  endif()
  set(inc "")
  foreach(c IN LISTS candidates)
    if(EXISTS "${c}/cudnn_version.h" AND EXISTS "${c}/cudnn.h")
      set(inc "${c}")
      break()
    endif()
  endforeach()
  if(NOT inc)
    if(cudnn_root)
      set(_gs_why "cuDNN headers (cudnn_version.h) not found in CUDNN_ROOT=${cudnn_root}" PARENT_SCOPE)
    else()
      set(_gs_why "cuDNN headers (cudnn_version.h) not found beside CUDA (${cuda_from}) nor in ${wheels_shown}; set CUDNN_ROOT" PARENT_SCOPE)
    endif()
    return()
  endif()
  file(STRINGS "${inc}/cudnn_version.h" defs REGEX "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
  set(cudnn_version "")
  foreach(part MAJOR MINOR PATCHLEVEL)
    if(defs MATCHES "CUDNN_${part} +([0-9]+)")
      list(APPEND cudnn_version "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  list(GET cudnn_version 0 cudnn_major)
  list(JOIN cudnn_version "." cudnn_version)
  if(real_root STREQUAL real_wheels AND inc STREQUAL "${wheels}/nvidia/cudnn/include")
    set(cudnn_from "${cuda_from}")
  else()
    get_filename_component(real_inc "${inc}" REALPATH)
    get_filename_component(real_wheel_inc "${wheels}/nvidia/cudnn/include" REALPATH)
    if(real_inc STREQUAL real_wheel_inc)
      set(cudnn_from "wheels in ${wheels_shown}")
    else()
      _gruscope_gpu_show(cudnn_from "${inc}")
    endif()
  endif()
  set(_gs_cudnn_inc "${inc}" PARENT_SCOPE)
  set(_gs_cudnn_version "${cudnn_version}" PARENT_SCOPE)
  set(_gs_cudnn_from "${cudnn_from}" PARENT_SCOPE)
  if(NOT cudnn_major OR cudnn_major LESS 9)
    set(_gs_why "cuDNN ${cudnn_version} headers found (${cudnn_from}), 9 needed" PARENT_SCOPE)
    return()
  endif()

  # Compile cmake/gpu-smoke.cu as the GPU sources will be compiled (host compiler, C++20, the first
  # architecture). A success is remembered per toolchain, so that reconfiguring costs nothing; a
  # failure is checked again at the next configure.
  set(host "${CMAKE_CUDA_HOST_COMPILER}")
  if(NOT host)
    set(host "${CMAKE_CXX_COMPILER}")
  endif()
  list(GET GRUSCOPE_CUDA_ARCHITECTURES 0 arch)
  string(REGEX MATCH "^[0-9]+a?" arch "${arch}")
  if(NOT arch)
    set(arch 90)
  endif()
  set(smoke "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/gpu-smoke.cu")
  file(SHA1 "${smoke}" smoke_hash)
  set(key "${nvcc}|${version}|${inc}|${cudnn_version}|${host}|${arch}|${smoke_hash}")
  if(NOT _GRUSCOPE_GPU_SMOKE_KEY STREQUAL key)
    set(dir "${CMAKE_BINARY_DIR}/CMakeFiles/gruscope-gpu-smoke")
    file(MAKE_DIRECTORY "${dir}")
    execute_process(
      COMMAND "${nvcc}" -ccbin "${host}" -std=c++20 "-gencode=arch=compute_${arch},code=sm_${arch}"
              -I "${inc}" -c "${smoke}" -o "${dir}/gpu-smoke.o"
      WORKING_DIRECTORY "${dir}" OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      file(WRITE "${dir}/gpu-smoke.log" "${out}")
      # The first error line (nvcc prints warnings and notes around it).
      string(REGEX MATCH "[^\n]*(error|fatal|not found)[^\n]*" first "${out}")
      if(NOT first)
        string(REGEX REPLACE "\n.*" "" first "${out}")
      endif()
      string(STRIP "${first}" first)
      set(_gs_why "nvcc (${cuda_from}) could not compile cmake/gpu-smoke.cu with ${host}: ${first} (log: ${dir}/gpu-smoke.log)" PARENT_SCOPE)
      return()
    endif()
    set(_GRUSCOPE_GPU_SMOKE_KEY "${key}" CACHE INTERNAL "")
  endif()
endfunction()

if(NOT GRUSCOPE_GPU STREQUAL "OFF")
  set(_gs_why "")
  if(GRUSCOPE_FUZZ)
    # fuzz/ rebuilds the engine's sources with clang's fuzzing flags, which nvcc does not take.
    set(_gs_why "GRUSCOPE_FUZZ=ON builds host code only")
  else()
    _gruscope_gpu_find()
  endif()
  if(_gs_why STREQUAL "" AND NOT _gs_nvcc STREQUAL "")
    message(STATUS "GPU toolchain: nvcc ${_gs_nvcc} (CUDA ${_gs_cuda_version}), cuDNN ${_gs_cudnn_version} headers in ${_gs_cudnn_inc}")
    # A build folder that used another toolkit before keeps its CUDA library paths in the cache:
    # forget them, so that nothing from two toolkits is mixed.
    if(NOT "${_GRUSCOPE_CUDA_ROOT_USED}" STREQUAL "${_gs_root}")
      get_cmake_property(_gs_vars CACHE_VARIABLES)
      foreach(_gs_v IN LISTS _gs_vars)
        if(_gs_v MATCHES "^CUDA_.*_LIBRARY$|^CUDA_CUDART$|^CUDAToolkit_(BIN_DIR|NVCC_EXECUTABLE|CUPTI_INCLUDE_DIR|.*_LIBRARY)$")
          unset(${_gs_v} CACHE)
        endif()
      endforeach()
      set(_GRUSCOPE_CUDA_ROOT_USED "${_gs_root}" CACHE INTERNAL "")
    endif()
    if(NOT CMAKE_CUDA_COMPILER OR CMAKE_CUDA_COMPILER MATCHES "NOTFOUND$")
      set(CMAKE_CUDA_COMPILER "${_gs_nvcc}" CACHE FILEPATH "CUDA compiler" FORCE)
    endif()
    if(NOT CMAKE_CUDA_HOST_COMPILER)
      set(CMAKE_CUDA_HOST_COMPILER "${CMAKE_CXX_COMPILER}" CACHE FILEPATH "Host compiler of nvcc: the C++ compiler")
    endif()
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "${GRUSCOPE_CUDA_ARCHITECTURES}" CACHE STRING "CUDA architectures")
    endif()
    enable_language(CUDA)
    # CMake 3.25 knows nvcc's -std= flags up to C++17 only (3.26 adds C++20, which nvcc has had
    # since CUDA 12).
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_COMPILE_FEATURES cuda_std_20)
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_EXTENSIONS OFF)
    # CMake 3.25's FindCUDAToolkit insists on an unversioned libcudart.so (CUDA_CUDART), which the
    # nvidia-cuda-runtime wheel does not have (only libcudart.so.13). Nothing here links the shared
    # runtime: the static one stands in, which also tells FindCUDAToolkit where the libraries are.
    if(NOT EXISTS "${_gs_root}/lib/libcudart.so" AND NOT EXISTS "${_gs_root}/lib64/libcudart.so"
       AND EXISTS "${_gs_root}/lib/libcudart_static.a" AND NOT CUDA_CUDART)
      set(CUDA_CUDART "${_gs_root}/lib/libcudart_static.a" CACHE FILEPATH
        "CUDA runtime found by FindCUDAToolkit (the static one: the toolkit has no libcudart.so)" FORCE)
    endif()
    # Debian 12's stock CMake 3.25.1 FindCUDAToolkit marks CUDA::nvToolsExt deprecated with
    # set_property(TARGET ...) without checking that the target exists, and the wheels ship no
    # libnvToolsExt, so configure would stop there ("could not find TARGET CUDA::nvToolsExt").
    # Nothing here uses NVTX: an empty imported target gives that line something to mark, and the
    # module's own library search skips a target that already exists.
    if(NOT TARGET CUDA::nvToolsExt)
      add_library(CUDA::nvToolsExt INTERFACE IMPORTED)
    endif()
    find_package(CUDAToolkit QUIET)
    if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cudart_static)
      set(_gs_why "find_package(CUDAToolkit) found no static CUDA runtime (libcudart_static.a) in ${_gs_cuda_from}")
    endif()
  elseif(_gs_why STREQUAL "")
    set(_gs_why "CUDA toolkit not found")
  endif()
  if(_gs_why STREQUAL "")
    set(GRUSCOPE_GPU_ENABLED ON)
    set(GRUSCOPE_CUDNN_INCLUDE_DIR "${_gs_cudnn_inc}")
    set(GRUSCOPE_CUDA_VERSION "${_gs_cuda_version}")
    set(GRUSCOPE_CUDNN_VERSION "${_gs_cudnn_version}")
    set(GRUSCOPE_CUDA_TOOLKIT_ROOT "${_gs_root}")
    foreach(_gs_d IN LISTS CUDAToolkit_INCLUDE_DIRS)
      if(EXISTS "${_gs_d}/cublas_v2.h")
        set(GRUSCOPE_CUBLAS_HEADERS ON)
      endif()
    endforeach()
    set(GRUSCOPE_GPU_REASON "CUDA ${_gs_cuda_version} (${_gs_cuda_from}), cuDNN ${_gs_cudnn_version} headers (${_gs_cudnn_from})")
  elseif(GRUSCOPE_GPU STREQUAL "ON")
    message(FATAL_ERROR "GRUSCOPE_GPU=ON but ${_gs_why}")
  else()
    set(GRUSCOPE_GPU_REASON "not built: ${_gs_why}")
  endif()
  string(REPLACE ";" "," GRUSCOPE_GPU_REASON "${GRUSCOPE_GPU_REASON}")
endif()

# gruscope_gpu_sources(<target> <source>...): adds GPU sources (.cu, and .cpp files that call the
# CUDA runtime) to <target>, with:
#   CUDA_ARCHITECTURES ${GRUSCOPE_CUDA_ARCHITECTURES}, CUDA_RUNTIME_LIBRARY Static,
#   CUDA_SEPARABLE_COMPILATION OFF, CUDA_STANDARD 20; GRUSCOPE_HAVE_GPU=1; the cuDNN headers
#   (SYSTEM); CUDA::cudart_static and the dl library linked PRIVATE; -Wall -Wextra for the host
#   half of .cu files;
#   the target's host-only compile options (directory-wide -Wall -Wpedantic, -march=native,
#   -fsanitize=..., anything without a $<COMPILE_LANGUAGE:...>) limited to C and C++ sources at the
#   end of the calling directory, so nvcc never sees them. Options meant for nvcc go in
#   $<$<COMPILE_LANGUAGE:CUDA>:...>.
# Only for builds with GRUSCOPE_GPU_ENABLED.
function(gruscope_gpu_sources target)
  if(NOT GRUSCOPE_GPU_ENABLED)
    message(FATAL_ERROR "gruscope_gpu_sources(${target}) in a build without the GPU backend (${GRUSCOPE_GPU_REASON}): test GRUSCOPE_GPU_ENABLED first")
  endif()
  target_sources(${target} PRIVATE ${ARGN})
  set_target_properties(${target} PROPERTIES
    CUDA_ARCHITECTURES "${GRUSCOPE_CUDA_ARCHITECTURES}"
    CUDA_RUNTIME_LIBRARY Static
    CUDA_SEPARABLE_COMPILATION OFF
    CUDA_STANDARD 20
    CUDA_STANDARD_REQUIRED ON
    CUDA_EXTENSIONS OFF)
  target_compile_definitions(${target} PRIVATE GRUSCOPE_HAVE_GPU=1)
  target_include_directories(${target} SYSTEM PRIVATE "${GRUSCOPE_CUDNN_INCLUDE_DIR}")
  target_link_libraries(${target} PRIVATE CUDA::cudart_static ${CMAKE_DL_LIBS})
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    # The project's warnings for the host half of .cu files (-Wpedantic would flag nvcc's own
    # generated code).
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>")
  endif()
  get_property(deferred TARGET ${target} PROPERTY _GRUSCOPE_GPU_HOST_ONLY SET)
  if(NOT deferred)
    set_property(TARGET ${target} PROPERTY _GRUSCOPE_GPU_HOST_ONLY ON)
    # A deferred call reads variables when it runs: put the target's name in now.
    cmake_language(EVAL CODE "cmake_language(DEFER CALL _gruscope_gpu_host_only_options [[${target}]])")
  endif()
endfunction()

# Wraps every compile option of <target> that does not name a language in
# $<$<COMPILE_LANGUAGE:C,CXX>:...>. A generator expression holding a list comes back from the
# property split at its semicolons: the pieces are joined again until the brackets balance.
function(_gruscope_gpu_host_only_options target)
  get_target_property(opts ${target} COMPILE_OPTIONS)
  if(NOT opts)
    return()
  endif()
  set(result "")
  set(pending "")
  foreach(o IN LISTS opts)
    if(pending STREQUAL "")
      set(pending "${o}")
    else()
      set(pending "${pending};${o}")
    endif()
    string(REGEX MATCHALL "\\$<" opens "${pending}")
    string(REGEX MATCHALL ">" closes "${pending}")
    list(LENGTH opens n_open)
    list(LENGTH closes n_close)
    if(n_open GREATER n_close)
      continue()
    endif()
    if(pending MATCHES "COMPILE_LANG_AND_ID|COMPILE_LANGUAGE")
      list(APPEND result "${pending}")
    else()
      list(APPEND result "$<$<COMPILE_LANGUAGE:C,CXX>:${pending}>")
    endif()
    set(pending "")
  endforeach()
  if(NOT pending STREQUAL "")
    list(APPEND result "${pending}")
  endif()
  set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS "${result}")
endfunction()
