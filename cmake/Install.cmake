# Installing GruScope (cmake --install); cmake/Package.cmake makes the .deb of it (tools/dev package).
#
#   bin/                      gruscope (the window), gruscope-cli
#   libexec/gruscope/         gruscope-parse: the engine spawns it to read untrusted weight files;
#                             nobody types its name, so it stays out of PATH
#   share/gruscope/examples/  the bundled examples, for gruscope-cli and for the user to copy (the
#                             window has them compiled in and needs none of these files)
#   share/applications, share/icons/hicolor, share/metainfo, share/mime/packages: the desktop
#                             entry, the icon, the AppStream description and the two file types
#   share/man/man1/           a page per program, made from its own --help at build time
#
# Included from the top CMakeLists.txt after the programs' targets exist.
include(GNUInstallDirs)

set(GRUSCOPE_APP_ID io.github.gruscope.GruScope)
# No public home is named until the project has one: whoever publishes a package sets it
# (-DGRUSCOPE_HOMEPAGE=URL); it then goes into the .deb's Homepage field and the manual pages.
set(GRUSCOPE_HOMEPAGE "" CACHE STRING "The project's public web page, for the .deb and the man pages (none by default)")
set(_desktop ${PROJECT_SOURCE_DIR}/resources/desktop)

# --- programs ----------------------------------------------------------------------------------

install(TARGETS gruscope-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET gruscope)
  install(TARGETS gruscope RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
set(GRUSCOPE_INSTALL_WORKERDIR ${CMAKE_INSTALL_LIBEXECDIR}/gruscope)
install(TARGETS gruscope-parse RUNTIME DESTINATION ${GRUSCOPE_INSTALL_WORKERDIR})

# The engine looks for the worker relative to the running program (findParseWorker), so the
# installed tree can be moved as a whole. Only parse_child.cpp needs the path: defining it there
# alone keeps a change of install directories from recompiling the engine.
file(RELATIVE_PATH _worker_rel ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}
     ${CMAKE_INSTALL_PREFIX}/${GRUSCOPE_INSTALL_WORKERDIR}/gruscope-parse)
set_source_files_properties(${PROJECT_SOURCE_DIR}/engine/src/isolation/parse_child.cpp
  TARGET_DIRECTORY gruscope_engine
  PROPERTIES COMPILE_DEFINITIONS "GRUSCOPE_INSTALLED_PARSE_WORKER=\"${_worker_rel}\"")

# --- data ----------------------------------------------------------------------------------------

install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/examples/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/gruscope/examples)

# The MIME types serve gruscope-cli users' file managers too; the rest belongs to the window.
install(FILES ${_desktop}/${GRUSCOPE_APP_ID}.mime.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages RENAME ${GRUSCOPE_APP_ID}.xml)
if(TARGET gruscope)
  install(FILES ${_desktop}/${GRUSCOPE_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${_desktop}/${GRUSCOPE_APP_ID}.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  install(FILES ${_desktop}/${GRUSCOPE_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
endif()

# --- manual pages ------------------------------------------------------------------------------
#
# Made from each program's --help after it is built, so that they never drift from the options.
# A sanitizer build would run the programs under ASan at build time (and fail on Qt's leaks at
# exit), and a cross build cannot run them at all: there the pages are off by default.
set(_man_default ON)
if(GRUSCOPE_SANITIZE OR CMAKE_CROSSCOMPILING)
  set(_man_default OFF)
endif()
option(GRUSCOPE_MAN "Make the manual pages from the programs' --help at build time (needs Python 3)" ${_man_default})
if(GRUSCOPE_MAN)
  # Any python3 will do (the script needs only the standard library). find_program rather than
  # find_package(Python3), which would settle the interpreter for the rest of the configure.
  find_program(GRUSCOPE_MAN_PYTHON NAMES python3 DOC "The Python 3 that runs tools/make-man")
  if(NOT GRUSCOPE_MAN_PYTHON)
    message(WARNING "GRUSCOPE_MAN: no python3 found, so no manual pages are made or installed")
    set(GRUSCOPE_MAN OFF)
  endif()
endif()
if(GRUSCOPE_MAN)
  set(_man_dir ${CMAKE_BINARY_DIR}/man)
  set(_pages)
  set(_programs gruscope-cli gruscope-parse)
  if(TARGET gruscope)
    list(PREPEND _programs gruscope)
  endif()
  set(_homepage_arg)
  if(GRUSCOPE_HOMEPAGE)
    set(_homepage_arg --homepage ${GRUSCOPE_HOMEPAGE})
  endif()
  foreach(_program IN LISTS _programs)
    set(_page ${_man_dir}/${_program}.1.gz)
    add_custom_command(
      OUTPUT ${_page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_man_dir}
      # The window's --help constructs a QApplication: offscreen needs no display.
      COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
              ${GRUSCOPE_MAN_PYTHON} ${PROJECT_SOURCE_DIR}/tools/make-man
              --program $<TARGET_FILE:${_program}> --name ${_program} --version ${PROJECT_VERSION}
              ${_homepage_arg} --out ${_page}
      DEPENDS ${_program} ${PROJECT_SOURCE_DIR}/tools/make-man
      COMMENT "Manual page ${_program}(1) from its --help"
      VERBATIM)
    list(APPEND _pages ${_page})
  endforeach()
  add_custom_target(gruscope_man ALL DEPENDS ${_pages})
  install(FILES ${_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# Debian wants the package's documentation in share/doc/<package>, not CMake's share/doc/GruScope.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/gruscope)
