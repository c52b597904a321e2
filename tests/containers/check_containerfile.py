#!/usr/bin/env python3
"""Checks Containerfile and containers/cartsim.def against the source tree, without a container
engine (CI machines have none: `docker info` fails there; docs/INSTALL.md).

Usage: check_containerfile.py REPO_ROOT CARTSIM_BINARY

What a `podman build` would trip over, checked statically:
  * every base image is debian:12 (through the global ARG default) or an earlier stage; stage
    names are unique; every COPY --from names an earlier stage and copies a path that stage
    creates (its install prefix or WORKDIR);
  * every file or folder COPYed from the build context exists and is not excluded by
    .dockerignore, and nothing the CMake build needs (CMakeLists.txt of every directory,
    CMakePresets.json, the sources) is excluded;
  * every script a RUN calls exists in the tree and is executable, every --preset exists in
    CMakePresets.json, every --target is a CMake target, every path under the install prefix
    (bin/cartsim, share/cartsim/scenarios/X.toml, share/cartsim/analysis/X.py, ...) is a file
    the install rules put there;
  * the runtime stage installs the Debian package of every shared library the built cartsim
    links (its ELF NEEDED entries, mapped with dpkg -S) and of every third-party module the
    analysis scripts and the python/ package import when loaded;
  * containers/cartsim.def bootstraps from the image this Containerfile builds, and its paths
    map onto the install tree too.
Exit 0 when all holds, 1 with one line per problem.
"""

import ast
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

PREFIX = "/opt/cartsim"
_NEEDED_CACHE = {}  # binary -> (library -> package, problems): dpkg -S is slow
# Install layout (cmake/install.cmake): installed path prefix -> source path prefix.
INSTALL_MAP = [
    ("bin/cartsim", None),  # the built binary
    ("share/cartsim/scenarios/", "scenarios/"),
    ("share/cartsim/analysis/", "analysis/"),
    ("share/cartsim/python/", "python/"),
    ("share/cartsim/slurm/", "scripts/slurm/"),
    ("share/doc/cartsim/docs/", "docs/"),
    ("share/doc/cartsim/", ""),
]


# Python modules the analysis scripts may import -> the Debian package that provides them.
DEBIAN_PYTHON = {"numpy": "python3-numpy", "h5py": "python3-h5py",
                 "matplotlib": "python3-matplotlib", "pandas": "python3-pandas",
                 "scipy": "python3-scipy", "yaml": "python3-yaml", "PIL": "python3-pil"}


def _module_level_imports(body):
    """Import statements run when the module loads: top level and under if/with, not in
    functions, classes or try blocks (those are optional or lazy)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.With)):
            yield from _module_level_imports(node.body)
            yield from _module_level_imports(getattr(node, "orelse", []))


class Checker:
    def __init__(self, root, binary):
        self.root = Path(root)
        self.binary = binary
        self.problems = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    # ----- parsing -------------------------------------------------------------------------
    def instructions(self, path):
        """(line number, INSTRUCTION, arguments) with continuations joined, comments dropped."""
        result = []
        pending, start = "", 0
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if not pending and (not stripped or stripped.startswith("#")):
                continue
            if pending and stripped.startswith("#"):
                continue
            if not pending:
                start = number
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            pending += stripped
            keyword, _, rest = pending.partition(" ")
            result.append((start, keyword.upper(), rest.strip()))
            pending = ""
        if pending:
            self.fail(path.name, "ends inside a continued line")
        return result

    def dockerignore(self):
        path = self.root / ".dockerignore"
        if not path.is_file():
            return []
        patterns = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                patterns.append(line.rstrip("/"))
        return patterns

    def ignored(self, rel, patterns):
        """Docker's rule, simplified: a path is excluded when it or a parent matches a pattern
        (** matches any number of folders); a later !pattern re-includes."""
        parts = Path(rel).parts
        candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        excluded = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            pat = pattern[1:] if negate else pattern
            regex = fnmatch.translate(pat).replace(".*.*/", "(?:.*/)?")
            if any(re.match(regex, c) for c in candidates) or (
                    pat.startswith("**/") and any(fnmatch.fnmatch(c.split("/")[-1], pat[3:])
                                                  for c in candidates)):
                excluded = not negate
        return excluded

    # ----- checks --------------------------------------------------------------------------
    def check_installed_path(self, where, path):
        """A path under PREFIX must be something cmake --install puts there."""
        path = path.rstrip(".")  # the end of a sentence
        rel = path[len(PREFIX):].lstrip("/")
        if not rel:
            return
        for installed, source in INSTALL_MAP:
            if rel in (installed, installed.rstrip("/")) or (installed.endswith("/") and
                                                              rel.startswith(installed)):
                if source is None:
                    return
                target = self.root / (source + rel[len(installed):])
                if not target.exists():
                    self.fail(where, f"{path}: the install has no such file (no {target.relative_to(self.root)} "
                                     "in the tree)")
                return
        if rel.rstrip("/") in ("bin", "share", "share/cartsim", "share/doc"):
            return
        self.fail(where, f"{path}: not a path the install rules (cmake/install.cmake) create")

    def check_run(self, where, command, presets, targets):
        words = shlex.split(command.replace(";", " ; "), posix=True)
        for i, word in enumerate(words):
            script = re.sub(r"^\./", "", word)
            if re.match(r"^(scripts|tests|benchmarks)/[\w./-]+\.(sh|py)$", script):
                path = self.root / script
                if not path.is_file():
                    self.fail(where, f"RUN calls {word}, which is not in the tree")
                elif not os.access(path, os.X_OK) and word.startswith("./"):
                    self.fail(where, f"RUN calls {word}, which is not executable")
            if word == "--preset" and i + 1 < len(words):
                if words[i + 1] not in presets:
                    self.fail(where, f"--preset {words[i + 1]}: no such preset in CMakePresets.json "
                                     f"({', '.join(sorted(presets))})")
            if word == "--target" and i + 1 < len(words):
                if words[i + 1] not in targets:
                    self.fail(where, f"--target {words[i + 1]}: no such CMake target")
            for path in re.findall(re.escape(PREFIX) + r"[\w./-]*", word):
                self.check_installed_path(where, path)
            match = re.match(r"^-D(CARTSIM_\w+)=", word)
            if match and match.group(1) not in self.cmake_options:
                self.fail(where, f"{word}: no option {match.group(1)} in CMakeLists.txt")

    def cmake_targets(self):
        targets = set()
        for cml in self.root.rglob("CMakeLists.txt"):
            if "build" in cml.relative_to(self.root).parts:
                continue
            text = cml.read_text(encoding="utf-8")
            targets |= set(re.findall(r"add_(?:executable|library|custom_target)\(\s*([\w.-]+)", text))
        return targets

    def presets(self):
        data = json.loads((self.root / "CMakePresets.json").read_text(encoding="utf-8"))
        names = set()
        for kind in ("configurePresets", "buildPresets", "testPresets"):
            names |= {p["name"] for p in data.get(kind, []) if not p.get("hidden")}
        return names

    def needed_packages(self):
        """Debian packages of the shared libraries the built binary links directly."""
        if self.binary not in _NEEDED_CACHE:
            _NEEDED_CACHE[self.binary] = self._needed_packages()
        packages, problems = _NEEDED_CACHE[self.binary]
        for problem in problems:
            self.fail("cartsim", problem)
        return packages

    def _needed_packages(self):
        problems = []
        out = subprocess.run(["readelf", "-d", self.binary], capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            return {}, [f"readelf -d {self.binary} failed: {out.stderr.strip()}"]
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out.stdout)
        # The sanitizer runtimes of the asan-ubsan and tsan presets: the image builds release.
        needed = [lib for lib in needed if not re.match(r"lib(a|ub|t|l|hwa)san\.so", lib)]
        ldd = subprocess.run(["ldd", self.binary], capture_output=True, text=True, check=False)
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd.stdout, re.MULTILINE))
        candidates = {}
        for lib in needed:
            path = paths.get(lib)
            if not path:
                problems.append(f"ldd does not resolve {lib}")
                continue
            # dpkg knows a file by the path its package ships (/usr/lib or /lib: usrmerge).
            names = {path, os.path.realpath(path)}
            for name in list(names):
                if name.startswith("/lib/"):
                    names.add("/usr" + name)
                elif name.startswith("/usr/lib/"):
                    names.add(name[4:])
            candidates[lib] = names
        every = sorted(set().union(*candidates.values())) if candidates else []
        found = subprocess.run(["dpkg", "-S", *every], capture_output=True, text=True,
                               check=False)
        owner = {}
        for line in found.stdout.splitlines():
            package, _, path = line.partition(": ")
            owner[path.strip()] = package.split(":", 1)[0].strip()
        packages = {}
        for lib, names in candidates.items():
            package = next((owner[n] for n in sorted(names) if n in owner), None)
            if package is None:
                problems.append(f"no Debian package owns {lib} ({paths[lib]}): not installable "
                                "in the runtime stage")
            else:
                packages[lib] = package
        return packages, problems

    def python_requirements(self):
        """Third-party modules the analysis scripts and the python/ package import when loaded
        (module level, outside try: optional imports inside functions or try blocks, such as
        pandas for to_dataframe(), do not count; pvpython scripts run under ParaView's own
        Python), each with its Debian package (None when unknown) and the first file importing it."""
        files = sorted((self.root / "analysis").glob("*.py"))
        if (self.root / "python").is_dir():
            files += sorted(p for p in (self.root / "python").rglob("*.py")
                            if not {"tests", "build"} & set(p.relative_to(self.root).parts))
        local = {p.stem for p in files} | {p.name for p in (self.root / "python").glob("*")
                                          if (self.root / "python").is_dir()}
        required = {}
        for path in files:
            text = path.read_text(encoding="utf-8")
            if text.startswith("#!") and "pvpython" in text.splitlines()[0]:
                continue
            rel = str(path.relative_to(self.root))
            try:
                tree = ast.parse(text, filename=rel)
            except SyntaxError as error:
                self.fail(rel, f"does not parse: {error}")
                continue
            for node in _module_level_imports(tree.body):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    ([node.module] if node.module and node.level == 0 else [])
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in local or top in required:
                        continue
                    required[top] = (DEBIAN_PYTHON.get(top), rel)
        return required

    def run(self):
        containerfile = self.root / "Containerfile"
        if not containerfile.is_file():
            self.fail("Containerfile", "missing at the top level")
            return
        self.cmake_options = set(re.findall(r"option\((CARTSIM_\w+)",
                                            (self.root / "CMakeLists.txt").read_text()))
        presets, targets = self.presets(), self.cmake_targets()
        ignore = self.dockerignore()

        global_args, stages, current = {}, [], None
        for number, keyword, rest in self.instructions(containerfile):
            where = f"Containerfile:{number}"
            if keyword == "ARG" and current is None:
                name, _, default = rest.partition("=")
                global_args[name.strip()] = default.strip().strip("\"'")
            elif keyword == "FROM":
                match = re.match(r"^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$", rest,
                                 re.IGNORECASE)
                if not match:
                    self.fail(where, f"cannot read FROM {rest}")
                    continue
                image = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), "?"),
                               match.group(1))
                names = [s["name"] for s in stages]
                if image not in names and image != "debian:12":
                    self.fail(where, f"FROM {match.group(1)} is {image}, neither debian:12 nor an "
                                     "earlier stage")
                if match.group(2) in names:
                    self.fail(where, f"stage name {match.group(2)} used twice")
                current = {"name": match.group(2) or str(len(stages)), "line": number,
                           "text": "", "apt": set(), "base": image}
                stages.append(current)
            elif current is None:
                self.fail(where, f"{keyword} before the first FROM")
                continue
            else:
                current["text"] += f"{keyword} {rest}\n"
            if keyword in ("COPY", "ADD"):
                words = shlex.split(rest)
                flags = [w for w in words if w.startswith("--")]
                paths = [w for w in words if not w.startswith("--")]
                sources = paths[:-1]
                source_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")),
                                    None)
                if source_stage is not None:
                    earlier = {s["name"]: s for s in stages[:-1]}
                    if source_stage not in earlier:
                        self.fail(where, f"COPY --from={source_stage}: no earlier stage of that "
                                         f"name ({', '.join(earlier) or 'none'})")
                        continue
                    for src in sources:
                        if src not in earlier[source_stage]["text"]:
                            self.fail(where, f"COPY --from={source_stage} {src}: stage "
                                             f"{source_stage} never creates {src}")
                    continue
                for src in sources:
                    if src in (".", "./"):
                        continue
                    if not (self.root / src).exists():
                        self.fail(where, f"COPY {src}: not in the build context (the tree)")
                    elif self.ignored(src.rstrip("/"), ignore):
                        self.fail(where, f"COPY {src}: excluded by .dockerignore")
            if keyword == "RUN":
                self.check_run(where, rest, presets, targets)
                for match in re.finditer(r"apt-get install ([^&;|]*)", rest):
                    current["apt"] |= {w for w in match.group(1).split() if not w.startswith("-")}
            if keyword == "ENV":
                for path in re.findall(re.escape(PREFIX) + r"[\w./-]*", rest):
                    if path.startswith(f"{PREFIX}/share/cartsim/python") and \
                            not (self.root / "python").exists():
                        continue  # the python/ reader package: installed when the tree has it
                    self.check_installed_path(where, path)

        if len(stages) < 2:
            self.fail("Containerfile", "expected a build stage and a slim runtime stage")
            return
        if not any("--from=" in s["text"] for s in stages[1:]):
            self.fail("Containerfile", "no stage copies from another: the runtime stage would "
                                       "not contain cartsim")
        if "install-deps.sh" not in stages[0]["text"]:
            self.fail("Containerfile", "the build stage does not run scripts/install-deps.sh")

        # Nothing the build needs is left out of the context.
        for rel in ["CMakeLists.txt", "CMakePresets.json", "scripts/install-deps.sh"] + [
                str(p.relative_to(self.root)) for p in self.root.rglob("CMakeLists.txt")
                if "build" not in p.relative_to(self.root).parts[:1]]:
            if self.ignored(rel, ignore):
                self.fail(".dockerignore", f"excludes {rel}, which the build needs")
        for rel in ["engine/lattice.hpp", "cli/main.cpp", "scenarios/demo_2d.toml",
                    "cli/version.hpp.in", "cmake/write_version_header.cmake"]:
            if (self.root / rel).exists() and self.ignored(rel, ignore):
                self.fail(".dockerignore", f"excludes {rel}, which the build needs")

        # The runtime stage can run the binary: the package of each NEEDED library is installed.
        runtime = stages[-1]
        for lib, package in sorted(self.needed_packages().items()):
            if package not in runtime["apt"]:
                self.fail("Containerfile", f"the runtime stage does not install {package}, which "
                                           f"holds {lib} that cartsim links")
        for module, (package, where) in sorted(self.python_requirements().items()):
            if package is None:
                self.fail(where, f"imports {module}, which check_containerfile.py cannot map to a "
                                 "Debian package: add it to DEBIAN_PYTHON (and to the runtime stage)")
            elif package not in runtime["apt"]:
                self.fail("Containerfile", f"the runtime stage lacks {package}, which {where} "
                                           f"imports ({module})")

        self.check_def()

    def check_def(self):
        path = self.root / "containers" / "cartsim.def"
        if not path.is_file():
            self.fail("containers/cartsim.def", "missing")
            return
        text = path.read_text(encoding="utf-8")
        header = dict(re.findall(r"^(Bootstrap|From):\s*(\S+)\s*$", text, re.MULTILINE))
        where = "containers/cartsim.def"
        bootstrap, source = header.get("Bootstrap"), header.get("From")
        if bootstrap not in ("docker-archive", "docker-daemon", "oci-archive", "localimage"):
            self.fail(where, f"Bootstrap: {bootstrap}: not one that starts from the image the "
                             "Containerfile builds (docker-archive, docker-daemon, oci-archive, "
                             "localimage)")
        if not source:
            self.fail(where, "no From: line")
        elif bootstrap in ("docker-archive", "oci-archive"):
            # The archive the documented save command writes.
            doc = (self.root / "docs" / "INSTALL.md")
            doc_text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
            if not re.search(r"(podman|docker) save\b[^\n]*-o " + re.escape(source), doc_text):
                self.fail(where, f"From: {source}, but docs/INSTALL.md shows no "
                                 f"`podman save ... -o {source}` that writes it")
        sections = set(re.findall(r"^%(\w+)", text, re.MULTILINE))
        known = {"setup", "files", "environment", "post", "runscript", "startscript", "test",
                 "labels", "help", "arguments", "app", "appinstall", "apprun", "appenv",
                 "applabels", "apphelp", "appfiles", "apptest"}
        for section in sections - known:
            self.fail(where, f"%{section}: not an Apptainer section")
        if "runscript" not in sections:
            self.fail(where, "no %runscript: `apptainer run cartsim.sif ...` would not run cartsim")
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for found in re.findall(re.escape(PREFIX) + r"[\w./-]*", line):
                if found.startswith(f"{PREFIX}/share/cartsim/python") and \
                        not (self.root / "python").exists():
                    continue
                self.check_installed_path(f"{where}:{number}", found)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    checker = Checker(argv[1], argv[2])
    checker.run()
    if checker.problems:
        print(f"check_containerfile: {len(checker.problems)} problem(s):")
        for problem in checker.problems:
            print(f"  {problem}")
        return 1
    print("check_containerfile: Containerfile, .dockerignore and containers/cartsim.def agree "
          "with the tree and the built cartsim (checked without a container engine)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
