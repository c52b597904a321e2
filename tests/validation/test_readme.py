"""validation/README.md stays true to checks.toml: every check has a row in the README's table of
checks, and the row says what checks.toml does with it (gated, or a known gap of which issue)."""

import re
import sys
import tomllib
import unittest
from pathlib import Path

VALIDATION = Path(sys.argv.pop(1) if len(sys.argv) > 1 else "validation").resolve()


def expected_status(check):
    gap = check.get("known_gap")
    if gap is None:
        return "gated"
    issue = re.match(r"issue (\d+)", gap)
    return f"known gap (issue {issue.group(1)})" if issue else "known gap"


def readme_rows():
    """{check id or glob: status column} of the table of checks."""
    rows = {}
    for line in (VALIDATION / "README.md").read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name in re.findall(r"`([a-z0-9_*]+)`", cells[0]):
            rows[name] = cells[-1]
    return rows


class ReadmeMatchesChecks(unittest.TestCase):
    def test_every_check_has_a_row_with_its_status(self):
        checks = tomllib.loads((VALIDATION / "checks.toml").read_text())["checks"]
        rows = readme_rows()
        for check in checks:
            with self.subTest(check=check["id"]):
                row = rows.get(check["id"])
                if row is None:  # a family documented by one row, e.g. `scale_half_*`
                    row = next((v for k, v in rows.items()
                                if "*" in k and re.fullmatch(k.replace("*", ".*"), check["id"])),
                               None)
                self.assertIsNotNone(row, "no row in validation/README.md")
                self.assertIn(expected_status(check), row.split(" / "))

    def test_no_row_names_a_check_that_is_gone(self):
        rows = readme_rows()
        ids = {c["id"] for c in tomllib.loads((VALIDATION / "checks.toml").read_text())["checks"]}
        stale = [k for k in rows if "*" not in k and k not in ids]
        self.assertEqual(stale, [], "rows for checks that checks.toml no longer has")


if __name__ == "__main__":
    unittest.main()
