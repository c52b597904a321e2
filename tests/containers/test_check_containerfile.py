#!/usr/bin/env python3
"""check_containerfile.py catches what would break a container build: on a copy of the tree,
each mutation below must be reported (and the unmutated copy must pass).

Usage: test_check_containerfile.py REPO_ROOT CHECK_CONTAINERFILE_PY CARTSIM_BINARY
"""

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

# (what is broken, file, text to replace, replacement, fragment the report must contain)
MUTATIONS = [
    ("a missing script", "Containerfile", "RUN ./scripts/install-deps.sh",
     "RUN ./scripts/install-deps-typo.sh", "install-deps-typo.sh, which is not in the tree"),
    ("a COPY of a missing file", "Containerfile", "COPY scripts/install-deps.sh scripts/",
     "COPY scripts/no_such.sh scripts/", "COPY scripts/no_such.sh: not in the build context"),
    ("a COPY --from of an unknown stage", "Containerfile", "COPY --from=build ",
     "COPY --from=builder ", "COPY --from=builder: no earlier stage"),
    ("a COPY --from of a path the stage never makes", "Containerfile",
     "COPY --from=build /opt/cartsim /opt/cartsim", "COPY --from=build /opt/other /opt/cartsim",
     "never creates /opt/other"),
    ("a base image other than debian:12", "Containerfile", "ARG DEBIAN_IMAGE=debian:12",
     "ARG DEBIAN_IMAGE=ubuntu:24.04", "neither debian:12 nor an earlier stage"),
    ("an unknown preset", "Containerfile", "cmake --build --preset release -j\"$(nproc)\" --target",
     "cmake --build --preset relase -j\"$(nproc)\" --target", "--preset relase: no such preset"),
    ("an unknown target", "Containerfile", "--target cartsim", "--target cartsim_cli",
     "--target cartsim_cli: no such CMake target"),
    ("a scenario that is not installed", "Containerfile",
     "cartsim validate /opt/cartsim/share/cartsim/scenarios/demo_2d.toml",
     "cartsim validate /opt/cartsim/share/cartsim/scenarios/demo_3d.toml",
     "scenarios/demo_3d.toml in the tree"),
    ("a runtime library left out", "Containerfile", " libtbb12 ", " ",
     "does not install libtbb12"),
    ("a Python package left out", "Containerfile", " python3-matplotlib", "",
     "lacks python3-matplotlib"),
    ("the sources excluded from the context", ".dockerignore", "build\n", "build\nengine\n",
     "excludes engine/CMakeLists.txt"),
    ("an unknown Apptainer bootstrap", "containers/cartsim.def", "Bootstrap: docker-archive",
     "Bootstrap: library", "Bootstrap: library"),
    ("a definition From no documented command writes", "containers/cartsim.def",
     "From: cartsim.tar", "From: image.tar", "no `podman save ... -o image.tar`"),
    ("a wrong path in the definition", "containers/cartsim.def",
     "exec /opt/cartsim/bin/cartsim", "exec /opt/cartsim/sbin/cartsim",
     "/opt/cartsim/sbin/cartsim: not a path the install rules"),
]


def load(path):
    spec = importlib.util.spec_from_file_location("check_containerfile", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_containerfile"] = module
    spec.loader.exec_module(module)
    return module


def problems_of(module, root, binary):
    checker = module.Checker(root, binary)
    checker.run()
    return checker.problems


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, module, binary = Path(argv[1]), load(argv[2]), argv[3]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        shutil.copytree(source, root, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "build", "out", "__pycache__",
                                                      "*.h5", "*.xmf"))
        clean = problems_of(module, root, binary)
        if clean:
            failures.append("the unmutated tree fails: " + "; ".join(clean))
        for what, rel, old, new, expected in MUTATIONS:
            path = root / rel
            original = path.read_text(encoding="utf-8")
            if old not in original:
                failures.append(f"{what}: '{old}' is no longer in {rel}: update this test")
                continue
            path.write_text(original.replace(old, new, 1), encoding="utf-8")
            try:
                found = problems_of(module, root, binary)
            finally:
                path.write_text(original, encoding="utf-8")
            if not any(expected in p for p in found):
                failures.append(f"{what} ({rel}): not reported; got: {found or 'nothing'}")
    if failures:
        print("test_check_containerfile: FAILED")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print(f"test_check_containerfile: all {len(MUTATIONS)} mutations reported, the tree passes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
