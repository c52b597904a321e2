# Installs the build into a fresh prefix and checks the installed tree works on its own:
#   cmake -DBUILD_DIR=<build> -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -P run_install_test.cmake
# 1. cmake --install BUILD_DIR --prefix WORK_DIR/prefix succeeds;
# 2. the layout: bin/cartsim, share/cartsim/{scenarios,analysis,slurm}, share/doc/cartsim (and
#    share/cartsim/python when the source tree has python/);
# 3. from WORK_DIR/elsewhere (neither the source nor the build tree) the installed cartsim
#    validates every installed scenario (their inherits chains resolve inside the prefix) and
#    runs 1 day of share/cartsim/scenarios/demo_2d.toml: exit 0 and an HDF5 file.
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(elsewhere ${WORK_DIR}/elsewhere)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${elsewhere})

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${prefix} failed (exit ${rc}); "
                      "is cartsim built (cmake --build --preset release --target cartsim)?\n"
                      "${out}${err}")
endif()

set(expected
    bin/cartsim
    share/cartsim/scenarios/demo_2d.toml
    share/cartsim/scenarios/baseline_cd19_41bb.toml
    share/cartsim/analysis/plot_run.py
    share/cartsim/slurm/job_array.sbatch
    share/doc/cartsim/README.md
    share/doc/cartsim/LICENSE
    share/doc/cartsim/CITATION.cff
    share/doc/cartsim/docs/MODEL.md)
if(IS_DIRECTORY ${SOURCE_DIR}/python)
  list(APPEND expected share/cartsim/python)
endif()
foreach(rel IN LISTS expected)
  if(NOT EXISTS ${prefix}/${rel})
    message(FATAL_ERROR "the install has no ${rel} (prefix ${prefix})")
  endif()
endforeach()
file(GLOB source_scenarios RELATIVE ${SOURCE_DIR}/scenarios ${SOURCE_DIR}/scenarios/*.toml)
file(GLOB installed_scenarios RELATIVE ${prefix}/share/cartsim/scenarios
     ${prefix}/share/cartsim/scenarios/*.toml)
if(NOT source_scenarios STREQUAL installed_scenarios)
  message(FATAL_ERROR "installed scenarios (${installed_scenarios}) differ from the source's "
                      "(${source_scenarios})")
endif()
file(GLOB_RECURSE junk ${prefix}/*/__pycache__ ${prefix}/*.pyc)
if(junk)
  message(FATAL_ERROR "the install holds Python caches: ${junk}")
endif()

set(cartsim ${prefix}/bin/cartsim)
foreach(scenario IN LISTS installed_scenarios)
  execute_process(COMMAND ${cartsim} validate ${prefix}/share/cartsim/scenarios/${scenario}
                  WORKING_DIRECTORY ${elsewhere}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "is valid")
    message(FATAL_ERROR "installed cartsim validate share/cartsim/scenarios/${scenario} "
                        "exited ${rc}:\n${out}${err}")
  endif()
endforeach()

execute_process(COMMAND ${cartsim} run ${prefix}/share/cartsim/scenarios/demo_2d.toml --days 1
                        -o demo_2d.h5 --threads 2 --quiet
                WORKING_DIRECTORY ${elsewhere}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installed cartsim run demo_2d.toml --days 1 exited ${rc}:\n${out}${err}")
endif()
if(NOT EXISTS ${elsewhere}/demo_2d.h5)
  message(FATAL_ERROR "installed cartsim run exited 0 but wrote no ${elsewhere}/demo_2d.h5")
endif()
file(READ ${elsewhere}/demo_2d.h5 signature LIMIT 8 HEX)
if(NOT signature STREQUAL "894844460d0a1a0a")
  message(FATAL_ERROR "${elsewhere}/demo_2d.h5 is not an HDF5 file (starts with ${signature})")
endif()
file(SIZE ${elsewhere}/demo_2d.h5 size)
message(STATUS "installed into ${prefix}: ${installed_scenarios} validate; a 1-day demo_2d run "
               "from ${elsewhere} wrote demo_2d.h5 (${size} bytes)")
file(REMOVE_RECURSE ${prefix})
