#!/usr/bin/env bash
# Packs built cartsim binaries with the shared libraries they load, and Debian's OpenMPI runtime
# (mpiexec, orted, the MCA and PMIx plugins, their help and config files), into one folder that
# runs on another x86-64 Linux machine with a glibc at least as new as Debian 12's and none of
# the project's dependencies installed: a borrowed many-core machine for the scaling benchmarks
# (benchmarks/many_core_scaling.sh), which cannot install packages.
#
#   DIR/bin/         the binaries given, under the names given, stripped
#   DIR/lib/         every library they, OpenMPI's programs and plugins load, except glibc's own
#   DIR/lib-mpi/     of those, OpenMPI's own and its transports' (used with the packed runtime)
#   DIR/lib-gcc/     of those, the C++ runtime (used where the machine's is older)
#   DIR/root/        OpenMPI's and PMIx's files at their Debian paths (/usr/lib/x86_64-linux-gnu/
#                    openmpi, .../pmix2, /usr/share/openmpi, /etc/openmpi, /usr/bin/orted, ...)
#   DIR/activate.sh  `source DIR/activate.sh` on the other machine: copies root/ onto / without
#                    replacing anything already there (needs root; only where OpenMPI is absent),
#                    puts DIR/lib on LD_LIBRARY_PATH and DIR/bin on PATH
#
# Usage: benchmarks/pack_runtime.sh DIR NAME=BINARY [NAME=BINARY ...] [--no-mpi]
#   e.g. benchmarks/pack_runtime.sh .devcarry cartsim=build/release/cli/cartsim \
#            cartsim-mpi=build/mpi/cli/cartsim
set -euo pipefail

[[ $# -ge 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
DIR="$1"
shift
WITH_MPI=1
BINARIES=()
for arg in "$@"; do
  case "$arg" in
    --no-mpi) WITH_MPI=0 ;;
    *=*) BINARIES+=("$arg") ;;
    *) echo "pack_runtime.sh: '$arg' is not NAME=BINARY" >&2; exit 2 ;;
  esac
done
rm -rf "$DIR"
mkdir -p "$DIR/bin" "$DIR/lib" "$DIR/root"

MULTIARCH=/usr/lib/x86_64-linux-gnu
# Objects whose libraries are packed: the binaries, and OpenMPI's programs and plugins.
objects=()
for pair in "${BINARIES[@]}"; do
  name="${pair%%=*}"
  binary="${pair#*=}"
  [[ -x "$binary" ]] || { echo "pack_runtime.sh: $binary is not an executable" >&2; exit 2; }
  # Without debug symbols: a tenth of the size, for a transfer that may be limited.
  strip -o "$DIR/bin/$name" "$binary"
  objects+=("$binary")
done
if [[ "$WITH_MPI" == 1 ]]; then
  command -v orterun >/dev/null || { echo "pack_runtime.sh: OpenMPI is not installed" \
    "(scripts/install-deps.sh)" >&2; exit 2; }
  mpi_paths=("$MULTIARCH/openmpi" "$MULTIARCH/pmix2" /usr/share/openmpi /etc/openmpi
    /usr/bin/orterun /usr/bin/orted /usr/bin/ompi_info)
  [[ -d /usr/share/pmix ]] && mpi_paths+=(/usr/share/pmix)
  for path in "${mpi_paths[@]}"; do
    mkdir -p "$DIR/root$(dirname "$path")"
    cp -a "$path" "$DIR/root$(dirname "$path")/"
  done
  # Debian's mpiexec is an alternatives link to orterun.
  ln -s orterun "$DIR/root/usr/bin/mpiexec"
  rm -rf "$DIR/root$MULTIARCH/openmpi/include" "$DIR/root$MULTIARCH/pmix2/include"
  find "$DIR/root" -name '*.a' -delete
  while IFS= read -r object; do objects+=("$object"); done < <(find "$MULTIARCH/openmpi" \
    "$MULTIARCH/pmix2" -name '*.so*' -type f; echo /usr/bin/orterun; echo /usr/bin/orted)
fi

# glibc's own libraries are the other machine's (its glibc must be as new as ours).
glibc='^(libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|ld-linux-x86-64)\.so'
for object in "${objects[@]}"; do
  ldd "$object" 2>/dev/null | awk '/=> \//{print $1, $3}'
done | sort -u | while read -r soname path; do
  [[ "$soname" =~ $glibc ]] && continue
  [[ -e "$DIR/lib/$soname" ]] || cp -L "$path" "$DIR/lib/$soname"
done

# The C++ runtime goes apart too: a machine with a newer one (whose other libraries, its own
# OpenMPI say, need the newer one) keeps its own, which runs our binaries as well.
mkdir -p "$DIR/lib-gcc"
mv "$DIR"/lib/libstdc++.so.* "$DIR"/lib/libgcc_s.so.* "$DIR/lib-gcc/"
GLIBCXX_NEEDED="$(objdump -T "$DIR"/bin/* | grep -o 'GLIBCXX_3\.4\.[0-9]*' | sort -t. -k3 -n -u |
  tail -n 1)"

# The MPI runtime's own libraries go apart: they are used only with the packed runtime.
mkdir -p "$DIR/lib-mpi"
for lib in "$DIR"/lib/lib{mpi,mca_common,oshmem,open-pal,open-rte,pmix,hwloc,event,ucp,ucs,uct,ucm,fabric,psm,ibverbs,rdmacm,efa}*; do
  [[ -e "$lib" ]] || continue
  mv "$lib" "$DIR/lib-mpi/"
done

cat >"$DIR/activate.sh" <<'ACTIVATE'
# Sourced on the machine that runs the packed binaries (benchmarks/pack_runtime.sh). Where the
# machine has no OpenMPI of its own, the packed one is copied to its Debian paths (as root,
# replacing nothing) and its libraries are used; else the machine's own OpenMPI runs the ranks.
CARTSIM_PACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CARTSIM_PACK_LIBS="$CARTSIM_PACK/lib"
if [[ -d "$CARTSIM_PACK/root/usr" && ! -d /usr/lib/x86_64-linux-gnu/openmpi ]]; then
  cp -an "$CARTSIM_PACK/root/." / && CARTSIM_PACK_LIBS="$CARTSIM_PACK_LIBS:$CARTSIM_PACK/lib-mpi"
  echo "activate.sh: the packed OpenMPI is installed" >&2
fi
system_cxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
if [[ -e "$system_cxx" ]] && grep -q "GLIBCXX_NEEDED" "$system_cxx"; then
  echo "activate.sh: the machine's C++ runtime has GLIBCXX_NEEDED: used" >&2
else
  CARTSIM_PACK_LIBS="$CARTSIM_PACK_LIBS:$CARTSIM_PACK/lib-gcc"
fi
export LD_LIBRARY_PATH="$CARTSIM_PACK_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$CARTSIM_PACK/bin:$PATH"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# One node: shared memory between ranks, the loopback interface for the runtime, and quiet about
# network plugins whose hardware or libraries are absent.
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_mca_base_component_show_load_errors=0
ACTIVATE
sed -i "s/GLIBCXX_NEEDED/$GLIBCXX_NEEDED/g" "$DIR/activate.sh"
echo "pack_runtime.sh: $(du -sh "$DIR" | cut -f1) in $DIR ($(find "$DIR"/lib* -type f | wc -l)" \
  "libraries)" >&2
