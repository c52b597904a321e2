#!/usr/bin/env python3
"""Tests check_doc_links.py on a small made-up repository: every kind of broken reference it
must report is reported (with file and line), and nothing that resolves (or is code, a URL or a
placeholder) is.

Usage: test_check_doc_links.py PATH/TO/check_doc_links.py
"""

import importlib.util
import sys
import tempfile
import textwrap
from pathlib import Path


def load_checker(path):
    spec = importlib.util.spec_from_file_location("check_doc_links", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_doc_links"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def main():
    checker = load_checker(sys.argv[1])
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    # GitHub slugs.
    for heading, slug in [("Toxicity: CRS and ICANS", "toxicity-crs-and-icans"),
                          ("Lymphodepletion and homeostatic cytokines",
                           "lymphodepletion-and-homeostatic-cytokines"),
                          ("`cartsim run` options", "cartsim-run-options"),
                          ("The model step (agents/marrow_model.cpp `add_phases`)",
                           "the-model-step-agentsmarrow_modelcpp-add_phases"),
                          ("[Links](x.md) and **bold**", "links-and-bold"),
                          ("Day 0-28: AUC", "day-0-28-auc")]:
        got = checker.github_slug(heading)
        expect(got == slug, f"slug of {heading!r}: {got!r}, expected {slug!r}")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root, "agents/toxicity/phase.cpp", "// a source\n")
        write(root, "agents/marrow_model.hpp", "// a header\n")
        write(root, "tests/golden/a.golden", "1\n")
        write(root, "docs/MODEL.md", """
            # The model
            ## Toxicity: CRS and ICANS
            ## Blood
            ## Blood
            <a name="custom-anchor"></a>
            Setext heading
            --------------
            """)
        write(root, "docs/tutorial/README.md", """
            Good: [model](../MODEL.md#blood-1), [up](../../README.md), [dir](../),
            [custom](../MODEL.md#custom-anchor), [setext](../MODEL.md#setext-heading).
            Bad: [gone](../GONE.md) and [anchor](../MODEL.md#no-such-heading).
            """)
        write(root, "README.md", """
            # Project
            ## Quick start
            Good: [model](docs/MODEL.md#toxicity-crs-and-icans), [self](#quick-start),
            [titled](docs/MODEL.md "The model"), ![img](docs/MODEL.md), [web](https://example.org/x),
            [mail](mailto:a@b.c), `agents/toxicity/phase.cpp:42`, `tests/golden/*.golden`,
            `cartsim run scenarios/NAME.toml`, plain agents/marrow_model.* and
            agents/toxicity/phase.cpp, a folder to create agents/macrophage/, code `[x](nowhere.md)`.
            Bad link: [missing](docs/MISSING.md) and [self](#no-such-section).
            Bad code path: `agents/toxicity/gone.cpp` and `tests/golden/*.missing`.
            Bad prose path: engine/no_such_file.hpp in a table.
            Outside: [escape](../outside.md)
            [ref]: docs/NOPE.md
            <img src="docs/nothing.png">
            Sections: docs/MODEL.md "Blood", MODEL.md, "Toxicity", README.md "Quick start" and
            docs/MODEL.md "No such section" and a split docs/MODEL.md
            "Missing too", GONE.md "X", [a titled link](docs/MODEL.md "Not a section").

            ```
            [in a fence](not/checked.md) `agents/not_checked.cpp`
            ```
            """)
        problems = [str(p) for p in checker.check_file(root, root / "README.md")]
        problems += [str(p) for p in checker.check_file(root, root / "docs/tutorial/README.md")]
        expected = [
            ("README.md:8:", "docs/MISSING.md"),
            ("README.md:8:", "#no-such-section"),
            ("README.md:9:", "agents/toxicity/gone.cpp"),
            ("README.md:9:", "tests/golden/*.missing"),
            ("README.md:10:", "engine/no_such_file.hpp"),
            ("README.md:11:", "outside the clone"),
            ("README.md:12:", "docs/NOPE.md"),
            ("README.md:13:", "docs/nothing.png"),
            ("README.md:15:", '"No such section": docs/MODEL.md has no heading'),
            ("README.md:15:", '"Missing too": docs/MODEL.md has no heading'),
            ("README.md:16:", 'GONE.md "X": no file GONE.md'),
            ("docs/tutorial/README.md:3:", "../GONE.md"),
            ("docs/tutorial/README.md:3:", "#no-such-heading"),
        ]
        for prefix, fragment in expected:
            expect(any(p.startswith(prefix) and fragment in p for p in problems),
                   f"not reported: {prefix} {fragment}")
        expect(len(problems) == len(expected),
               f"{len(problems)} problems reported, {len(expected)} expected:\n    "
               + "\n    ".join(problems))

        # The command line: exit 1 and the list on a broken tree, 0 on a clean one.
        rc = checker.main(["check_doc_links.py", str(root)])
        expect(rc == 1, f"main() on the broken tree returned {rc}, expected 1")
        (root / "README.md").write_text("# Fine\nSee [the model](docs/MODEL.md#blood).\n")
        write(root, "docs/tutorial/README.md", "[model](../MODEL.md)\n")
        rc = checker.main(["check_doc_links.py", str(root)])
        expect(rc == 0, f"main() on the fixed tree returned {rc}, expected 0")

    if failures:
        print("test_check_doc_links: FAILED")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("test_check_doc_links: the checker reports every broken reference and nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
