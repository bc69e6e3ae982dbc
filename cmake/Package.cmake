# The Debian package of what cmake/Install.cmake and python/ install (cpack --preset package;
# tools/dev package). Included last, so that it knows whether the Python module is built.
# --- the Debian package (cpack --preset package) ------------------------------------------------

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gruscope)
set(CPACK_PACKAGE_VENDOR "GruScope")
# Whoever builds a package for others names themselves here (-DGRUSCOPE_PACKAGE_MAINTAINER=...).
set(GRUSCOPE_PACKAGE_MAINTAINER "GruScope maintainers <maintainers@gruscope.invalid>" CACHE STRING
    "The Maintainer field of the .deb")
set(CPACK_PACKAGE_CONTACT "${GRUSCOPE_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "look inside a Keras GRU layer, gate by gate")
if(GRUSCOPE_HOMEPAGE)
  set(CPACK_PACKAGE_HOMEPAGE_URL ${GRUSCOPE_HOMEPAGE})
endif()
set(CPACK_PACKAGE_INSTALL_DIRECTORY gruscope)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)                    # gruscope_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The library packages come from the programs' own ELF dependencies (dpkg-shlibdeps), so they
# follow whatever Qt, HDF5 and libzip the package was built against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(TARGET gruscope)
  # dpkg-shlibdeps already names the plugins' packages on Debian 12: the X11 and
  # offscreen platforms ship in libqt6gui6, the SVG icon engine in libqt6svg6. Native Wayland
  # needs qt6-wayland (without it Qt runs through XWayland); the rest makes the desktop entry,
  # icon and file types take effect.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland, hicolor-icon-theme, shared-mime-info, desktop-file-utils")
endif()
# The long description; CPack puts the summary above it and indents it as Debian's control file
# wants (an empty line becomes " .").
set(CPACK_PACKAGE_DESCRIPTION "GruScope runs a Keras GRU layer with Keras's exact semantics (every keras.layers.GRU
argument, both reset_after variants, masks, go_backwards, stateful, dropout) and shows
what happens inside it: the update gate z, the reset gate r, the candidate state and the
state h at every step and unit, the weights per gate, cuDNN eligibility with the reason
for each rule, and the same input on every backend compared against float64.

It reads Keras 3 .keras archives, .weights.h5 and legacy HDF5 files, safetensors and
NumPy .npz, each in a separate, resource-limited process. The package holds the window
(gruscope), the command-line tool (gruscope-cli), the Python module (import gruscope) and the
bundled examples. It is built
for any x86-64 CPU and without the CUDA backends: build GruScope from source on a
machine with an NVIDIA GPU to use them.")
# Permissions as Debian tools expect them, whatever the umask of the building user.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# The Python module is an extension for one interpreter ABI (python3.X) and imports numpy:
# the package then depends on that python3 and on python3-numpy (dpkg-shlibdeps sees neither).
if(TARGET _gruscope)
  get_target_property(_py_version _gruscope GRUSCOPE_PYTHON_VERSION)
  string(REPLACE "." ";" _py_parts "${_py_version}")
  list(GET _py_parts 0 _py_major)
  list(GET _py_parts 1 _py_minor)
  math(EXPR _py_next "${_py_minor} + 1")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3 (>= ${_py_version}), python3 (<< ${_py_major}.${_py_next}), python3-numpy")
endif()
include(CPack)
