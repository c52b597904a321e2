# Install rules: `cmake --install build/release --prefix P` puts
#   P/bin/cartsim
#   P/share/cartsim/scenarios    the shipped scenarios and every file they inherit (so an installed
#                                scenario runs: inherits = "..." resolves next to it)
#   P/share/cartsim/analysis     the analysis scripts (and notebook)
#   P/share/cartsim/python       the Python reader package (python/), when the tree has one
#   P/share/cartsim/slurm        the Slurm job scripts of scripts/slurm (set CARTSIM=P/bin/cartsim)
#   P/share/doc/cartsim          README, ARCHITECTURE, LICENSE, CITATION.cff and docs/
# tests/install checks that an installed scenario validates and runs from another directory.
include(GNUInstallDirs)

set(CARTSIM_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/cartsim)

install(TARGETS cartsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Scenarios: every scenarios/*.toml plus the closure of their `inherits` chains. A scenario's
# inherits path is relative to the scenario, so each file is installed at its path relative to
# the source tree under share/cartsim (scenarios/x.toml -> share/cartsim/scenarios/x.toml); a
# file outside the source tree could not keep that relation and stops the configure.
function(cartsim_scenario_closure out_var)
  set(pending ${ARGN})
  set(done "")
  while(pending)
    list(POP_FRONT pending file)
    if(file IN_LIST done)
      continue()
    endif()
    list(APPEND done ${file})
    file(STRINGS ${file} inherits_lines REGEX "^[ \t]*inherits[ \t]*=")
    foreach(line IN LISTS inherits_lines)
      if(NOT line MATCHES "^[ \t]*inherits[ \t]*=[ \t]*[\"']([^\"']+)[\"']")
        message(FATAL_ERROR "${file}: cannot read the inherits line '${line}' (expected "
                            "inherits = \"relative/path.toml\")")
      endif()
      get_filename_component(dir ${file} DIRECTORY)
      cmake_path(ABSOLUTE_PATH CMAKE_MATCH_1 BASE_DIRECTORY ${dir} NORMALIZE OUTPUT_VARIABLE base)
      if(NOT EXISTS ${base})
        message(FATAL_ERROR "${file}: inherits ${CMAKE_MATCH_1}, which does not exist (${base})")
      endif()
      cmake_path(IS_PREFIX PROJECT_SOURCE_DIR ${base} NORMALIZE inside)
      if(NOT inside)
        message(FATAL_ERROR "${file}: inherits ${base}, outside the source tree: the installed "
                            "scenario could not find it")
      endif()
      list(APPEND pending ${base})
    endforeach()
  endwhile()
  set(${out_var} ${done} PARENT_SCOPE)
endfunction()

file(GLOB cartsim_scenarios CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.toml)
cartsim_scenario_closure(cartsim_scenario_files ${cartsim_scenarios})
foreach(file IN LISTS cartsim_scenario_files)
  cmake_path(RELATIVE_PATH file BASE_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE rel)
  cmake_path(GET rel PARENT_PATH rel_dir)
  install(FILES ${file} DESTINATION ${CARTSIM_INSTALL_DATADIR}/${rel_dir})
endforeach()

# Analysis scripts and notebook; the Python package when python/ exists (OPTIONAL: the tree may
# not have it yet). Caches and build leftovers stay behind.
set(cartsim_python_junk PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE
    PATTERN "*.egg-info" EXCLUDE PATTERN ".ipynb_checkpoints" EXCLUDE PATTERN "build" EXCLUDE
    PATTERN ".pytest_cache" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/analysis/ DESTINATION ${CARTSIM_INSTALL_DATADIR}/analysis
        USE_SOURCE_PERMISSIONS ${cartsim_python_junk})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/ DESTINATION ${CARTSIM_INSTALL_DATADIR}/python
        OPTIONAL USE_SOURCE_PERMISSIONS ${cartsim_python_junk})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/slurm/ DESTINATION ${CARTSIM_INSTALL_DATADIR}/slurm
        USE_SOURCE_PERMISSIONS)

# Documentation.
foreach(doc README.md ARCHITECTURE.md LICENSE CITATION.cff)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${doc})
    install(FILES ${PROJECT_SOURCE_DIR}/${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
