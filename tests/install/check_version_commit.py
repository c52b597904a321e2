#!/usr/bin/env python3
"""`cartsim --version` names the commit the source tree is at now, with -dirty exactly when
tracked files differ from it. The commit is taken at build time (cmake/write_version_header.cmake
on every build), so this holds after a new commit or an edit followed by a rebuild, without a
reconfigure. Exit 77 (ctest: skipped) outside a git checkout or without git.

Usage: check_version_commit.py CARTSIM SOURCE_DIR PROJECT_VERSION [GIT]
"""

import shutil
import subprocess
import sys

SKIP = 77


def git(git_exe, source_dir, *args):
    return subprocess.run([git_exe, "--no-optional-locks", "-C", source_dir, *args],
                          capture_output=True, text=True, check=False)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    cartsim, source_dir, version = argv[1:4]
    given = argv[4] if len(argv) > 4 else ""
    git_exe = given if given and not given.endswith("NOTFOUND") else shutil.which("git")
    if not git_exe:
        print("SKIP: git is not installed: cartsim reports commit 'unknown'")
        return SKIP
    head = git(git_exe, source_dir, "rev-parse", "--short=12", "HEAD")
    if head.returncode != 0:
        print(f"SKIP: {source_dir} is not a git checkout ({head.stderr.strip()}): cartsim "
              "reports commit 'unknown' there")
        return SKIP
    commit = head.stdout.strip()
    status = git(git_exe, source_dir, "status", "--porcelain", "--untracked-files=no")
    if status.returncode != 0:
        print(f"git status failed in {source_dir}: {status.stderr.strip()}")
        return 1
    expected_commit = commit + ("-dirty" if status.stdout.strip() else "")

    run = subprocess.run([cartsim, "--version"], capture_output=True, text=True, check=False)
    printed = run.stdout.strip()
    if run.returncode != 0:
        print(f"{cartsim} --version exited {run.returncode}: {run.stdout}{run.stderr}")
        return 1
    expected = f"cartsim {version} ({expected_commit})"
    if printed != expected:
        changed = status.stdout.strip().replace("\n", ", ") or "none"
        print(f"cartsim --version printed '{printed}', expected '{expected}' (HEAD of "
              f"{source_dir} is {commit}; tracked changes: {changed}). Was cartsim rebuilt "
              "after the last commit or edit (cmake --build --preset release --target cartsim)?")
        return 1
    print(f"cartsim --version: {printed} (HEAD {commit}, "
          f"{'dirty' if expected_commit.endswith('-dirty') else 'clean'} tree)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
