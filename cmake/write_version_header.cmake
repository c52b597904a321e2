# Writes cli/version.hpp (the version and the git commit baked into `cartsim`) at build time.
# Run by the cartsim_version target on every build (cmake -P), so the commit never goes stale
# after a new commit or an edit; the header is rewritten only when its content changes, so an
# unchanged commit recompiles nothing.
#
#   cmake -DSOURCE_DIR=<repo> -DTEMPLATE=<version.hpp.in> -DOUTPUT=<version.hpp>
#         -DPROJECT_VERSION=<x.y.z> [-DGIT_EXECUTABLE=<git>] -P write_version_header.cmake
#
# The commit is `git rev-parse --short=12 HEAD`, with "-dirty" when tracked files differ from
# HEAD (`git status --porcelain --untracked-files=no` prints something). Outside a git checkout
# (a source tarball, a container build without .git) it is the environment variable
# CARTSIM_GIT_COMMIT when set (e.g. podman build --build-arg GIT_COMMIT=...), else "unknown".
cmake_minimum_required(VERSION 3.25)

foreach(var SOURCE_DIR TEMPLATE OUTPUT PROJECT_VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "write_version_header.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT GIT_EXECUTABLE)
  find_program(GIT_EXECUTABLE git)
endif()

set(commit "")
if(GIT_EXECUTABLE)
  # --no-optional-locks: never take index.lock (a build must not race a `git commit`).
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" --no-optional-locks -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
    RESULT_VARIABLE rev_result
    OUTPUT_VARIABLE rev_output
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rev_result EQUAL 0 AND rev_output MATCHES "^[0-9a-f]+$")
    set(commit "${rev_output}")
    execute_process(
      COMMAND "${GIT_EXECUTABLE}" --no-optional-locks -C "${SOURCE_DIR}" status --porcelain
              --untracked-files=no
      RESULT_VARIABLE status_result
      OUTPUT_VARIABLE status_output
      ERROR_QUIET)
    if(NOT status_result EQUAL 0)
      set(commit "${commit}-unknown-state")
    elseif(NOT status_output STREQUAL "")
      set(commit "${commit}-dirty")
    endif()
  endif()
endif()
if(commit STREQUAL "")
  if(DEFINED ENV{CARTSIM_GIT_COMMIT} AND NOT "$ENV{CARTSIM_GIT_COMMIT}" STREQUAL "")
    set(commit "$ENV{CARTSIM_GIT_COMMIT}")
  else()
    set(commit "unknown")
  endif()
endif()

# The template's variables (@PROJECT_VERSION@, @CARTSIM_GIT_COMMIT@).
set(CARTSIM_GIT_COMMIT "${commit}")
file(READ "${TEMPLATE}" template_text)
string(CONFIGURE "${template_text}" header_text @ONLY)

set(old_text "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old_text)
endif()
if(NOT old_text STREQUAL header_text)
  file(WRITE "${OUTPUT}" "${header_text}")
  message(STATUS "cartsim version ${PROJECT_VERSION} (${commit}): wrote ${OUTPUT}")
endif()
