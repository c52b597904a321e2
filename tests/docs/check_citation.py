#!/usr/bin/env python3
"""CITATION.cff is valid Citation File Format 1.2.0 metadata for this version of cartsim.

Usage: check_citation.py REPO_ROOT PROJECT_VERSION

Checks the keys CFF 1.2.0 requires (cff-version 1.2.0, message, title, authors: each a person
with family-names or an entity with a name), that `version` equals PROJECT_VERSION (from
project(cartsim VERSION ...) in CMakeLists.txt), that date-released is a real YYYY-MM-DD date,
and that `license` is the SPDX id of the LICENSE file (BSD-3-Clause). The file is read with
PyYAML when it is installed (Debian's python3-yaml) and with a small parser of the subset
CITATION.cff uses otherwise, so the check runs with a bare /usr/bin/python3 too.
"""

import datetime
import re
import sys
from pathlib import Path

LICENSE_HEADERS = {"BSD-3-Clause": "BSD 3-Clause License"}


def parse_subset(text):
    """Top-level `key: scalar`, folded scalars (>-), and lists of scalars or of flat mappings."""
    data = {}
    key = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = re.match(r"^([A-Za-z][\w-]*):\s*(.*)$", line)
        if top:
            key, value = top.group(1), top.group(2).strip()
            if value in (">", ">-", "|", "|-"):
                block = []
                while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                    block.append(lines[i].strip())
                    i += 1
                data[key] = " ".join(b for b in block if b)
            elif value:
                data[key] = unquote(value)
            else:
                data[key] = []
            continue
        item = re.match(r"^\s+-\s+(.*)$", line)
        if item and isinstance(data.get(key), list):
            entry = item.group(1)
            pair = re.match(r"^([A-Za-z][\w-]*):\s*(.*)$", entry)
            if pair:
                data[key].append({pair.group(1): unquote(pair.group(2))})
            else:
                data[key].append(unquote(entry))
            continue
        more = re.match(r"^\s+([A-Za-z][\w-]*):\s*(.*)$", line)
        if more and isinstance(data.get(key), list) and data[key] and \
                isinstance(data[key][-1], dict):
            data[key][-1][more.group(1)] = unquote(more.group(2))
            continue
        raise ValueError(f"CITATION.cff line {i}: cannot read '{line}'")
    return data


def unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, version = Path(argv[1]), argv[2]
    path = root / "CITATION.cff"
    if not path.is_file():
        print(f"no {path}")
        return 1
    text = path.read_text(encoding="utf-8")
    try:
        import yaml  # pylint: disable=import-outside-toplevel
        data = yaml.safe_load(text)
        reader = "PyYAML"
    except ImportError:
        data = parse_subset(text)
        reader = "the built-in subset parser"

    errors = []
    if not isinstance(data, dict):
        print(f"{path} is not a YAML mapping")
        return 1
    if str(data.get("cff-version")) != "1.2.0":
        errors.append(f"cff-version is {data.get('cff-version')!r}, expected '1.2.0'")
    for key in ("message", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            errors.append(f"{key} is missing or empty (CFF 1.2.0 requires it)")
    authors = data.get("authors")
    if not isinstance(authors, list) or not authors:
        errors.append("authors is missing or not a non-empty list")
    else:
        for n, author in enumerate(authors, start=1):
            if not isinstance(author, dict) or not (author.get("name") or
                                                    author.get("family-names")):
                errors.append(f"author {n} has neither name (an entity) nor family-names")
    cff_version = data.get("version")
    if str(cff_version) != version:
        errors.append(f"version is {cff_version!r} but CMakeLists.txt says project(cartsim "
                      f"VERSION {version}): update CITATION.cff with every release")
    released = data.get("date-released")
    if isinstance(released, datetime.date):
        released = released.isoformat()
    try:
        datetime.date.fromisoformat(str(released))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(released)):
            raise ValueError
    except ValueError:
        errors.append(f"date-released is {released!r}, not a YYYY-MM-DD date")
    spdx = data.get("license")
    if spdx not in LICENSE_HEADERS:
        errors.append(f"license is {spdx!r}, expected one of {sorted(LICENSE_HEADERS)}")
    else:
        license_file = root / "LICENSE"
        first = license_file.read_text(encoding="utf-8").splitlines()[0] \
            if license_file.is_file() else ""
        if first.strip() != LICENSE_HEADERS[spdx]:
            errors.append(f"license is {spdx} but LICENSE starts with {first!r}")
        elif "The cartsim developers" not in license_file.read_text(encoding="utf-8"):
            errors.append("LICENSE does not name the copyright holder 'The cartsim developers'")

    if errors:
        print(f"{path} (read with {reader}):")
        for error in errors:
            print(f"  {error}")
        return 1
    print(f"CITATION.cff (read with {reader}): CFF 1.2.0, version {version} = the CMake project "
          f"version, released {released}, license {spdx}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
