# Decide whether the GPU backend is built. AUTO builds it when the CUDA 13 toolkit and cuDNN 9
# are found; ON makes their absence a configure error; OFF never builds it. The result is
# GRUSCOPE_GPU_ENABLED plus GRUSCOPE_GPU_REASON (shown by `gruscope-cli version` and the window).
#
# Nothing from CUDA is linked dynamically into the programs: the CUDA runtime is linked
# statically (it loads the driver with dlopen, so a machine without a driver still starts the
# program and gets cudaErrorInsufficientDriver), and cuDNN is loaded with dlopen at run time.

set(GRUSCOPE_GPU_ENABLED OFF)
set(GRUSCOPE_GPU_REASON "disabled at configure time (GRUSCOPE_GPU=OFF)")

if(NOT GRUSCOPE_GPU STREQUAL "OFF")
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
  set(_why "")
  if(NOT CUDAToolkit_FOUND)
    set(_why "CUDA toolkit not found (looked in /usr/local/cuda and CUDAToolkit_ROOT)")
  elseif(CUDAToolkit_VERSION_MAJOR LESS 13)
    set(_why "CUDA ${CUDAToolkit_VERSION} found, 13 or newer needed")
  else()
    # cuDNN may sit beside the toolkit or in a Python wheel folder (.../nvidia/cudnn).
    find_path(GRUSCOPE_CUDNN_INCLUDE_DIR cudnn_version.h
      HINTS ${CUDAToolkit_INCLUDE_DIRS} ${CUDNN_ROOT}/include $ENV{CUDNN_ROOT}/include)
    if(NOT GRUSCOPE_CUDNN_INCLUDE_DIR)
      set(_why "cuDNN headers (cudnn_version.h) not found; set CUDNN_ROOT")
    else()
      file(STRINGS "${GRUSCOPE_CUDNN_INCLUDE_DIR}/cudnn_version.h" _major REGEX "#define CUDNN_MAJOR [0-9]+")
      string(REGEX MATCH "[0-9]+" _major "${_major}")
      if(NOT _major OR _major LESS 9)
        set(_why "cuDNN ${_major} found, 9 needed")
      endif()
    endif()
  endif()
  if(_why STREQUAL "")
    set(GRUSCOPE_GPU_ENABLED ON)
    set(GRUSCOPE_GPU_REASON "CUDA ${CUDAToolkit_VERSION}, cuDNN ${_major} headers in ${GRUSCOPE_CUDNN_INCLUDE_DIR}")
  elseif(GRUSCOPE_GPU STREQUAL "ON")
    message(FATAL_ERROR "GRUSCOPE_GPU=ON but ${_why}")
  else()
    set(GRUSCOPE_GPU_REASON "not built: ${_why}")
  endif()
endif()
