#!/usr/bin/env python3
"""Checks that the documentation's links and source-file references resolve inside the clone.

Usage: check_doc_links.py REPO_ROOT [FILE.md ...]

Without FILE arguments it checks README.md, ARCHITECTURE.md (if present), docs/**/*.md,
validation/README.md and benchmarks/RESULTS.md. For each file it checks:
  * every relative Markdown link or image ([text](path), [text](path#anchor), [ref]: path) and
    every relative HTML href/src: the target exists and lies inside the clone; an anchor names a
    heading (GitHub-style slug) or an explicit <a name|id> of the target Markdown file;
  * every repository path written in backticks (a word starting with one of the top-level
    directories, e.g. `agents/toxicity/phase.cpp` or `cartsim run scenarios/demo_2d.toml`):
    the file or directory exists (a glob such as `tests/golden/*.golden` must match something);
    in prose, a word that names a source or doc file (agents/marrow_model.cpp, engine/x.hpp);
  * every section named in prose, docs/MODEL.md "Patient scale" or README.md, "Quick start":
    the file exists and has a heading that reads so (or begins so).
Links and paths inside fenced code blocks are skipped (they are code, not references); so are
URLs with a scheme (https:, mailto:) and words with placeholders in capitals (scenarios/NAME.toml).

Exit status: 0 when everything resolves, 1 with one line per broken reference otherwise.
Only the Python standard library is used, so /usr/bin/python3 runs it as is.
"""

from __future__ import annotations

import glob
import os
import re
import sys
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

# A word in backticks is taken as a repository path when it starts with one of these.
TOP_LEVEL_DIRS = ("engine", "agents", "scenarios", "io", "cli", "tests", "analysis", "scripts",
                  "validation", "python", "docs", "benchmarks")

DEFAULT_GLOBS = ("README.md", "ARCHITECTURE.md", "docs/**/*.md", "validation/README.md",
                 "benchmarks/RESULTS.md")

FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
INLINE_LINK_RE = re.compile(r"!?\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(?P<target><[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(?P<target><[^>]*>|\S+)")
HTML_ATTR_RE = re.compile(r"<(?:a|img|source)\b[^>]*?\b(?:href|src)\s*=\s*[\"'](?P<target>[^\"']+)[\"']",
                          re.IGNORECASE)
HTML_ANCHOR_RE = re.compile(r"<a\b[^>]*?\b(?:name|id)\s*=\s*[\"'](?P<id>[^\"']+)[\"']", re.IGNORECASE)
CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(?P<code>.+?)(?<!`)\1(?!`)")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
PATH_WORD_RE = re.compile(r"^(?:\./)?(?:" + "|".join(TOP_LEVEL_DIRS) + r")/[A-Za-z0-9_.*/\-]*$")
# Outside backticks only a word that names a file (with a source or doc extension, or `.*` for
# "both the .hpp and the .cpp") counts: `agents/macrophage/` in prose may be a folder to create.
SOURCE_EXTENSIONS = ("cpp", "hpp", "h", "in", "py", "ipynb", "toml", "sh", "sbatch", "md", "txt",
                     "cmake", "json", "csv", "cff", "def")
PLAIN_PATH_RE = re.compile(r"(?<![\w./-])((?:" + "|".join(TOP_LEVEL_DIRS) + r")/[A-Za-z0-9_./-]*?"
                           r"\.(?:" + "|".join(SOURCE_EXTENSIONS) + r"|\*))(?![\w/-])")
MD_LINK_TARGET_RE = re.compile(r"(\]\()[^)]*\)")
# A section named in prose: FILE.md "Section" (also FILE.md, "Section" and several sections).
SECTION_REF_RE = re.compile(r"(?<![\w/.-])(?P<file>(?:[\w.-]+/)*[\w.-]+\.md)[,:]?\s+(?:section\s+)?"
                            r"(?P<sections>\(?\"[^\"]+\"(?:,\s*\"[^\"]+\")*)")


@dataclass
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces -> -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "")
    text = re.sub(r"(\*\*|__|\*|_(?=\W)|(?<=\W)_)", "", text)  # emphasis markers
    text = text.strip().lower()
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "-_ " or cat[0] in ("L", "N") or cat == "Mn":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def strip_fenced_blocks(lines: list[str]) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, with their 1-based numbers."""
    kept = []
    fence = None
    for number, line in enumerate(lines, start=1):
        match = FENCE_RE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            kept.append((number, line))
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and line.strip() == match.group(1):
            fence = None
    return kept


_anchor_cache: dict[Path, set[str]] = {}
_heading_cache: dict[Path, list[str]] = {}


def anchors_of(path: Path) -> set[str]:
    """Every anchor a Markdown file defines: heading slugs (with GitHub's -1, -2 suffixes for
    repeated headings) and explicit <a name=...>/<a id=...>."""
    if path in _anchor_cache:
        return _anchor_cache[path]
    lines = path.read_text(encoding="utf-8").splitlines()
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    previous = ""
    for _, line in strip_fenced_blocks(lines):
        heading = None
        match = HEADING_RE.match(line)
        if match:
            heading = match.group(2)
        elif SETEXT_RE.match(line) and previous.strip() and not previous.lstrip().startswith(
                ("|", "-", "*", ">")):
            heading = previous.strip()
        if heading is not None:
            _heading_cache.setdefault(path, []).append(heading)
            slug = github_slug(heading)
            count = seen.get(slug, 0)
            anchors.add(slug if count == 0 else f"{slug}-{count}")
            seen[slug] = count + 1
        for html in HTML_ANCHOR_RE.finditer(line):
            anchors.add(html.group("id"))
        previous = line
    _anchor_cache[path] = anchors
    _heading_cache.setdefault(path, [])
    return anchors


def headings_of(path: Path) -> list[str]:
    anchors_of(path)
    return _heading_cache[path]


def plain_heading(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[`*]", "", text)
    return " ".join(text.split()).lower()


def check_section_refs(root: Path, md: Path, rel: str, number: int, text: str,
                       first_line_length: int) -> list[Problem]:
    """Prose such as docs/MODEL.md "Patient scale" or README.md, "Ensembles and HPC" names a
    section: the file must exist and have a heading that reads so (or begins so: "Toxicity"
    for "Toxicity: CRS and ICANS")."""
    problems = []
    for match in SECTION_REF_RE.finditer(text):
        if match.start() >= first_line_length:
            continue  # starts on the next line: reported with that line
        name = match.group("file")
        sections = re.findall(r'"([^"]+)"', match.group("sections"))
        candidates = [md.parent / name, root / name, root / "docs" / name]
        target = next((c for c in candidates if c.is_file() and inside(root, c)), None)
        if target is None:
            problems.append(Problem(rel, number, f'section reference {name} "{sections[0]}": '
                                                 f"no file {name} in the clone"))
            continue
        headings = [plain_heading(h) for h in headings_of(target)]
        for section in sections:
            wanted = plain_heading(section)
            if not any(h == wanted or h.startswith(wanted) for h in headings):
                shown = os.path.relpath(target, root)
                problems.append(Problem(rel, number, f'section reference {name} "{section}": '
                                                     f"{shown} has no heading that reads so"))
    return problems


def inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def check_link(root: Path, md: Path, rel: str, number: int, target: str) -> Problem | None:
    target = target.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1]
    if not target or SCHEME_RE.match(target) or target.startswith("//"):
        return None  # an external URL: not checked (no network in CI)
    path_part, _, anchor = target.partition("#")
    path_part = urllib.parse.unquote(path_part.split("?", 1)[0])
    if path_part:
        base = root if path_part.startswith("/") else md.parent
        resolved = (base / path_part.lstrip("/")).resolve()
        if not inside(root, resolved):
            return Problem(rel, number, f"link '{target}' points outside the clone ({resolved})")
        if not resolved.exists():
            shown = os.path.relpath(resolved, root)
            return Problem(rel, number, f"link '{target}': no such file or directory {shown}")
    else:
        resolved = md
    if anchor:
        if resolved.is_dir() or resolved.suffix.lower() not in (".md", ".markdown"):
            return None  # anchors into code files (#L42) or folders: GitHub's, not checked
        anchor = urllib.parse.unquote(anchor)
        if anchor not in anchors_of(resolved) and anchor.lower() not in anchors_of(resolved):
            shown = os.path.relpath(resolved, root)
            return Problem(rel, number,
                           f"link '{target}': no heading with anchor #{anchor} in {shown}")
    return None


def check_code_path(root: Path, rel: str, number: int, word: str) -> Problem | None:
    word = word.rstrip(".,;:)")
    word = re.sub(r":\d+(?:-\d+)?$", "", word)  # file.cpp:42 or file.cpp:42-57
    if not PATH_WORD_RE.match(word):
        return None
    if re.search(r"[A-Z]{2,}", word.split("/")[-1]) and not (root / word).exists():
        # A placeholder such as scenarios/NAME.toml or out/RUN.h5, unless a real file says so.
        if not re.search(r"[a-z]", re.sub(r"\.[a-z0-9]+$", "", word.split("/")[-1])):
            return None
    path = word[2:] if word.startswith("./") else word
    if any(ch in path for ch in "*?["):
        if not glob.glob(str(root / path), recursive=True):
            return Problem(rel, number, f"path '{word}': the pattern matches no file")
        return None
    resolved = root / path
    if not resolved.exists():
        return Problem(rel, number, f"path '{word}': no such file or directory in the clone")
    return None


def check_file(root: Path, md: Path) -> list[Problem]:
    rel = os.path.relpath(md, root)
    problems: list[Problem] = []
    lines = md.read_text(encoding="utf-8").splitlines()
    kept = strip_fenced_blocks(lines)
    for index, (number, line) in enumerate(kept):
        # Code spans are taken out before looking for links: `[a](b)` in code is not a link.
        spans = [m.group("code") for m in CODE_SPAN_RE.finditer(line)]
        prose = CODE_SPAN_RE.sub(" ", line)
        targets = [m.group("target") for m in INLINE_LINK_RE.finditer(prose)]
        ref = REF_DEF_RE.match(prose)
        if ref:
            targets.append(ref.group("target"))
        targets += [m.group("target") for m in HTML_ATTR_RE.finditer(prose)]
        for target in targets:
            problem = check_link(root, md, rel, number, target)
            if problem:
                problems.append(problem)
        # Source files named in prose (tables of "where" in ARCHITECTURE.md, RESULTS.md).
        for match in PLAIN_PATH_RE.finditer(MD_LINK_TARGET_RE.sub("]()", prose)):
            problem = check_code_path(root, rel, number, match.group(1))
            if problem:
                problems.append(problem)
        # Sections named in prose; the next line is joined on, for a reference split over two.
        following = kept[index + 1][1] if index + 1 < len(kept) and \
            kept[index + 1][0] == number + 1 else ""
        joined = INLINE_LINK_RE.sub(lambda m: m.group("text"), prose)
        problems += check_section_refs(
            root, md, rel, number,
            joined + " " + INLINE_LINK_RE.sub(lambda m: m.group("text"),
                                              CODE_SPAN_RE.sub(" ", following)),
            len(joined))
        for code in spans:
            for word in code.split():
                problem = check_code_path(root, rel, number, word.strip("\"'"))
                if problem:
                    problems.append(problem)
    return problems


def default_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for pattern in DEFAULT_GLOBS:
        for name in sorted(glob.glob(str(root / pattern), recursive=True)):
            path = Path(name)
            if path.is_file() and path not in files:
                files.append(path)
    return files


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[1]).resolve()
    files = [Path(name).resolve() for name in argv[2:]] or default_files(root)
    if not (root / "README.md").is_file():
        print(f"check_doc_links: {root} has no README.md: not the repository root?", file=sys.stderr)
        return 2
    problems: list[Problem] = []
    for md in files:
        problems += check_file(root, md)
    checked = ", ".join(os.path.relpath(f, root) for f in files)
    if problems:
        print(f"check_doc_links: {len(problems)} broken link(s) or path(s) in the docs:")
        for problem in problems:
            print(f"  {problem}")
        print("Fix the link or the path (or restore the file it names). Checked: " + checked)
        return 1
    print(f"check_doc_links: every relative link and repository path resolves ({checked})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
