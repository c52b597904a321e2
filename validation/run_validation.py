#!/usr/bin/python3
"""Clinical validation of cartsim: run cohorts, compute emergent readouts, compare each with a
published figure, print one table (validation/README.md).

    /usr/bin/python3 validation/run_validation.py --reduced          # CI: a few minutes
    /usr/bin/python3 validation/run_validation.py --jobs 2 --out out/validation   # full: ~50 min

Exit status: 0 every gated check agrees (known gaps and unavailable readouts are reported, not
gated; --strict gates unavailable ones too), 1 a gated check disagrees, 2 bad command line,
checks file or missing binary, 3 a cartsim run failed.
"""

import argparse
import math
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cartsim_runs  # noqa: E402
import readouts  # noqa: E402
import report  # noqa: E402
import stats  # noqa: E402

REPO_ROOT = HERE.parent
CHECK_FIELDS_REQUIRED = ("id", "readout", "cohort", "description", "published_text", "source",
                         "compare")


class ChecksFileError(ValueError):
    pass


def load_checks(path):
    """Reads and validates checks.toml; returns (cohorts, checks)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    cohorts = data.get("cohorts", {})
    checks = data.get("checks", [])
    seen = set()
    for check in checks:
        missing = [k for k in CHECK_FIELDS_REQUIRED if k not in check]
        if missing:
            raise ChecksFileError(f"{path}: check {check.get('id', '?')} lacks {', '.join(missing)}")
        if check["id"] in seen:
            raise ChecksFileError(f"{path}: duplicate check id '{check['id']}'")
        seen.add(check["id"])
        if check["readout"] not in readouts.READOUTS:
            raise ChecksFileError(f"{path}: check {check['id']}: unknown readout "
                                  f"'{check['readout']}' (known: {', '.join(sorted(readouts.READOUTS))})")
        if check["cohort"] not in cohorts:
            raise ChecksFileError(f"{path}: check {check['id']}: unknown cohort '{check['cohort']}'")
        reference = check.get("reference_cohort")
        if reference is not None and reference not in cohorts:
            raise ChecksFileError(f"{path}: check {check['id']}: unknown reference_cohort "
                                  f"'{reference}'")
        if check["compare"] == "within_reference" and reference is None:
            raise ChecksFileError(f"{path}: check {check['id']}: compare = within_reference "
                                  "needs reference_cohort")
        if check["compare"] not in ("overlap", "test", "positive", "not_negative",
                                    "no_difference", "within_reference"):
            raise ChecksFileError(f"{path}: check {check['id']}: compare must be overlap, test, "
                                  "positive, not_negative, no_difference or within_reference")
        if check["compare"] == "overlap" and not all(k in check for k in ("published_low", "published_high")):
            raise ChecksFileError(f"{path}: check {check['id']}: compare = overlap needs "
                                  "published_low and published_high")
    for name, cohort in cohorts.items():
        parent = cohort.get("subset_of")
        if parent is not None and (parent not in cohorts or "subset_of" in cohorts[parent]):
            raise ChecksFileError(f"{path}: cohort {name}: subset_of must name a cohort that is "
                                  "not itself a subset")
        for mode in ("reduced", "full"):
            if mode not in cohort or not {"patients", "days"} <= set(cohort[mode]):
                raise ChecksFileError(f"{path}: cohort {name} needs {mode} = {{ patients, days }}")
    return cohorts, checks


def gap_issue(known_gap):
    """'issue 14: why' -> 'issue 14'."""
    return known_gap.split(":", 1)[0].strip()


def evaluate(check, records, cohort_days, reference=None, reference_days=None):
    """One row of the table (a dict) for one check over the cohort's runs (and the reference
    cohort's, for a check that compares two cohorts)."""
    row = {key: check.get(key) for key in ("id", "description", "published", "published_low",
                                           "published_high", "published_text", "source",
                                           "band_note", "known_gap")}
    row["gated"] = "known_gap" not in check
    min_days = check.get("min_days", 0)
    if "reference_cohort" in check:
        cohort_days = min(cohort_days, reference_days if reference_days is not None else 0)
    if records is None or cohort_days < min_days or ("reference_cohort" in check and reference is None):
        row.update(status="not run", verdict=f"not run (needs >= {min_days} d: full mode)",
                   cartsim_text="-", n_text="-")
        return row
    # A direction that a small cohort cannot resolve (a rank correlation, a difference between
    # two treatments) is checked on the full cohort only.
    min_patients = check.get("min_patients", 0)
    patients = min(len(records), len(reference) if reference is not None else len(records))
    if patients < min_patients:
        row.update(status="not run",
                   verdict=f"not run (needs >= {min_patients} patients: full mode)",
                   cartsim_text="-", n_text="-")
        return row
    readout = readouts.READOUTS[check["readout"]]
    params = check.get("params", {})
    reference_estimate = None
    try:
        if check["compare"] == "within_reference":
            estimate = readout(records, params)
            reference_estimate = readout(reference, params)
        elif "reference_cohort" in check:
            estimate = readout(records, params, reference)
        else:
            estimate = readout(records, params)
    except readouts.NotAvailable as why:
        row.update(status="not available", verdict=f"not available: {why}", cartsim_text="-",
                   n_text="-")
        return row
    row.update(value=estimate.value, low=estimate.low, high=estimate.high,
               p_value=None if math.isnan(estimate.p_value) else estimate.p_value,
               interval_method=estimate.interval, cartsim_text=estimate.formatted(),
               n_text=estimate.n_text)
    if check["compare"] == "test":
        alpha = check.get("params", {}).get("alpha", 0.05)
        agrees = estimate.p_value < alpha and estimate.value > 1.0
    elif check["compare"] == "within_reference":
        # The same readout of the same patients on another window: agrees when this value lies
        # in the reference's 95% interval (scale invariance).
        agrees = reference_estimate.low <= estimate.value <= reference_estimate.high
        row["published_text"] = (f"{reference_estimate.formatted()} "
                                 f"({check.get('published_text', 'reference')})")
    elif check["compare"] == "positive":
        # A published direction without an effect size: the interval lies above zero.
        agrees = estimate.low > 0.0
    elif check["compare"] == "not_negative":
        # A published absence of harm (e.g. the CR rate is not lowered): the interval does not
        # lie below zero.
        agrees = estimate.high >= 0.0
    elif check["compare"] == "no_difference":
        # A published absence of relationship (e.g. toxicity not following the dose over a
        # range): the interval contains zero.
        agrees = estimate.low <= 0.0 <= estimate.high
    else:
        agrees = stats.intervals_overlap(estimate.low, estimate.high,
                                         check["published_low"], check["published_high"])
    row["comparison"] = "agrees" if agrees else "disagrees"
    if "known_gap" in check:
        row["status"] = "known gap"
        row["verdict"] = f"known gap ({gap_issue(check['known_gap'])})" + (", now agrees" if agrees else "")
    else:
        row["status"] = row["comparison"]
        row["verdict"] = row["comparison"]
    return row


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reduced", action="store_true",
                        help="the small CI version (cohorts' `reduced` sizes; a few minutes)")
    parser.add_argument("--cartsim", help="cartsim binary (default: $CARTSIM, else "
                        "build/release/cli/cartsim under the repository root)")
    parser.add_argument("--out", help="work directory: cohorts' run files, validation_table.md "
                        "and .json (default: a new temporary directory, kept)")
    parser.add_argument("--jobs", type=int, default=2, help="cartsim runs at once (default 2)")
    parser.add_argument("--checks-file", default=str(HERE / "checks.toml"))
    parser.add_argument("--only", help="comma-separated check ids to run (default all)")
    parser.add_argument("--fresh", action="store_true",
                        help="delete the cohorts' earlier runs in --out first (without it, "
                        "rerunning on the same --out continues an interrupted suite, reusing "
                        "complete runs: only do that with the same cartsim binary)")
    parser.add_argument("--strict", action="store_true",
                        help="also fail when a gated check's readout is not available")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    mode = "reduced" if args.reduced else "full"
    try:
        cohorts, checks = load_checks(args.checks_file)
        cartsim = cartsim_runs.find_cartsim(args.cartsim, REPO_ROOT)
    except (ChecksFileError, cartsim_runs.CartsimError, OSError, tomllib.TOMLDecodeError) as error:
        print(f"run_validation: error: {error}", file=sys.stderr)
        return 2
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {c["id"] for c in checks}
        if unknown:
            print(f"run_validation: error: unknown check id(s): {', '.join(sorted(unknown))}",
                  file=sys.stderr)
            return 2
        checks = [c for c in checks if c["id"] in wanted]

    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="cartsim-validation-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    # The cohorts the checks read (their own or as reference); a subset cohort reads its parent's
    # first patients, so the parent runs first. A cohort whose every check needs more days than
    # this mode simulates is not run.
    wanted_cohorts = dict.fromkeys(
        n for c in checks for n in (c["cohort"], c.get("reference_cohort")) if n is not None)
    def runs_in_mode(name):
        days = cohorts[name][mode]["days"]
        patients = cohorts[name][mode]["patients"]
        return any(c.get("min_days", 0) <= days and c.get("min_patients", 0) <= patients
                   for c in checks if name in (c["cohort"], c.get("reference_cohort")))
    wanted_cohorts = {n: None for n in wanted_cohorts if runs_in_mode(n)}
    for name in list(wanted_cohorts):
        parent = cohorts[name].get("subset_of")
        if parent is not None and parent not in wanted_cohorts:
            wanted_cohorts = {parent: None, **wanted_cohorts}
    wanted_cohorts = sorted(wanted_cohorts, key=lambda n: "subset_of" in cohorts[n])

    records_by_cohort = {}
    for name in wanted_cohorts:
        size = cohorts[name][mode]
        parent = cohorts[name].get("subset_of")
        if parent is not None:
            if cohorts[parent][mode]["days"] != size["days"]:
                print(f"run_validation: error: cohort {name}: days must equal its parent's",
                      file=sys.stderr)
                return 2
            records_by_cohort[name] = [r for r in records_by_cohort[parent]
                                       if r.index < size["patients"]]
            print(f"run_validation: cohort {name}: the first {size['patients']} patients of "
                  f"{parent}", file=sys.stderr, flush=True)
            continue
        needed = max((c.get("min_days", 0) for c in checks if c["cohort"] == name), default=0)
        print(f"run_validation: cohort {name}: {size['patients']} patients, {size['days']} d "
              f"({mode} mode){'' if size['days'] >= needed else f'; checks needing {needed} d are not run'}",
              file=sys.stderr, flush=True)
        if args.fresh:
            cartsim_runs.remove_tree(out_dir / name)
        try:
            records_by_cohort[name] = cartsim_runs.prepare_cohort(
                cartsim, REPO_ROOT, out_dir, name, cohorts[name]["scenario"], size["patients"],
                size["days"], args.jobs, sets=tuple(cohorts[name].get("set", {}).items()))
        except cartsim_runs.CartsimError as error:
            print(f"run_validation: error: cohort {name}: {error}", file=sys.stderr)
            return 3

    rows = [evaluate(c, records_by_cohort.get(c["cohort"]), cohorts[c["cohort"]][mode]["days"],
                     records_by_cohort.get(c.get("reference_cohort")),
                     cohorts[c["reference_cohort"]][mode]["days"] if "reference_cohort" in c
                     else None)
            for c in checks]
    elapsed = time.monotonic() - started
    commits = sorted({r.git_commit for records in records_by_cohort.values() for r in records})
    meta = {"mode": mode, "cartsim": str(cartsim), "cartsim_git_commit": ",".join(commits),
            "jobs": args.jobs, "wall_seconds": round(elapsed, 1),
            "cohorts": {name: cohorts[name][mode] | {"scenario": cohorts[name].get(
                            "scenario", cohorts[cohorts[name].get("subset_of", name)].get("scenario")),
                            "set": cohorts[name].get("set", {})}
                        for name in records_by_cohort}}
    print(report.text_table(rows))
    report.write_markdown(out_dir / "validation_table.md", rows, meta)
    report.write_json(out_dir / "validation_table.json", rows, meta)

    failed = [r["id"] for r in rows if r["gated"] and r["status"] == "disagrees"]
    unavailable = [r["id"] for r in rows if r["gated"] and r["status"] == "not available"]
    print(f"\n{mode} mode, {elapsed:.0f} s; table: {out_dir / 'validation_table.md'}")
    if unavailable:
        print(f"gated checks not available: {', '.join(unavailable)}")
    if failed:
        print(f"FAILED: gated checks disagree: {', '.join(failed)}")
        return 1
    if unavailable and args.strict:
        print("FAILED (--strict): gated checks not available")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
