#!/usr/bin/env bash
# Installs every Debian 12 package cartsim needs to build, test, benchmark and analyse.
# clang and libclang-rt-14-dev build the fuzzers of tests/fuzz (libclang-rt-14-dev holds
# libFuzzer and clang's sanitizer runtimes; clang only recommends it, and we skip recommends).
# Idempotent: when everything is present it only runs dpkg-query and exits quietly.
set -euo pipefail

PACKAGES=(
  build-essential make cmake ninja-build pkg-config git
  libtbb-dev libeigen3-dev libhdf5-dev hdf5-tools zlib1g-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev librandom123-dev
  libtomlplusplus-dev libcli11-dev
  clang libclang-rt-14-dev
  python3 python3-h5py python3-numpy python3-matplotlib
  # cartsim_io (python/): pip install into a venv; the quickstart notebook run headless by ctest
  python3-venv python3-pip python3-setuptools jupyter-nbconvert python3-ipykernel
  time  # GNU time: wall time and peak RSS of the runs in benchmarks/run.sh
  # the mpi preset (make test-mpi): OpenMPI (mpiexec, headers, libraries) and the parallel
  # HDF5 its ranks write snapshots with (FindHDF5 still finds the serial one for other presets)
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
