#!/usr/bin/python3
"""Reads what benchmarks/many_core_scaling.sh left in OUT (runs.tsv, machine.txt and the logs,
loose in OUT/logs or packed in OUT/logs.tar.gz) and prints one JSON object: per series the wall
time of every run, the run loop's agent-updates/s (cartsim's final progress line), speedup and
parallel efficiency against the series' one-thread (one-rank) run, by wall time and by loop rate,
the seconds per scheduler phase with each phase's speedup, and for MPI runs the work imbalance,
halo bytes per step and rank 0's time at sync points.

Usage: benchmarks/many_core_report.py OUT [--markdown]
  --markdown  tables for benchmarks/RESULTS.md instead of JSON
"""
import json
import re
import sys
import tarfile
from pathlib import Path


def read_logs(out):
    logs = {}
    loose = out / "logs"
    if loose.is_dir():
        for path in loose.glob("*.log"):
            logs[path.stem] = path.read_text(errors="replace")
    archive = out / "logs.tar.gz"
    if not logs and archive.exists():
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".log"):
                    text = tar.extractfile(member).read().decode(errors="replace")
                    logs[Path(member.name).stem] = text
    return logs


def parse_log(text):
    run = {}
    for line in text.splitlines():
        if " took " in line or "agent-updates/s" in line:
            m = re.search(r"([0-9.eE+-]+) agent-updates/s", line)
            if m:
                run["agent_updates_per_s"] = float(m.group(1))
            m = re.search(r"work max/mean ([0-9.]+)", line)
            if m:
                run["work_max_over_mean"] = float(m.group(1))
        m = re.search(r"rebalanced \d+ ranks at day ([0-9.]+): work max/mean ([0-9.]+) -> "
                      r"([0-9.]+)", line)
        if m:
            run.setdefault("rebalances", []).append(
                {"day": float(m.group(1)), "before": float(m.group(2)),
                 "after": float(m.group(3))})
        if "time by phase: " in line:
            text_phases = line.split("time by phase: ", 1)[1].replace("; outside the phases",
                                                                       ", outside")
            run["phase_seconds"] = {m.group(1): float(m.group(2)) for m in
                                    re.finditer(r"([A-Za-z0-9_-]+) ([0-9.]+) s \(", text_phases)}
        m = re.search(r"= (\d+) fine steps", line)
        if m:
            run["fine_steps"] = int(m.group(1))
        m = re.search(r"resuming .* \(step (\d+)\)", line)
        if m:
            run["resumed_at_step"] = int(m.group(1))
        m = re.search(r"MPI rank 0 sent (\d+) bytes", line)
        if m:
            run["rank0_bytes_sent"] = int(m.group(1))
        m = re.search(r"MPI rank 0 time: stepping ([\d.]+) s, of it ([\d.]+) s at sync points "
                      r"and ([\d.]+) s of that waiting", line)
        if m:
            run["rank0_stepping_s"], run["rank0_sync_s"], run["rank0_wait_s"] = (
                float(g) for g in m.groups())
    if run.get("fine_steps"):
        # The run's own steps: a resume's end step less the step it resumed from.
        run["steps_run"] = run["fine_steps"] - run.get("resumed_at_step", 0)
    if "rank0_bytes_sent" in run and run.get("steps_run"):
        run["halo_bytes_per_step"] = round(run["rank0_bytes_sent"] / run["steps_run"])
    return run


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = Path(sys.argv[1])
    logs = read_logs(out)
    series = {}
    for line in (out / "runs.tsv").read_text().splitlines():
        label, kind, count, wall, status = line.split("\t")
        run = {"label": label, "count": int(count), "wall_s": float(wall),
               "exit_status": int(status)}
        run.update(parse_log(logs.get(label, "")))
        series.setdefault(kind, []).append(run)
    # Speedups against the one-thread run of the same series; the MPI peak resumes against the
    # one-thread resume of the same checkpoint by the serial build.
    baseline_of = {"tissue": "tissue", "peak": "peak", "weak": "weak", "strong": "strong",
                   "peakmpi": "peak"}
    for kind, runs in series.items():
        runs.sort(key=lambda r: r["count"])
        base = next((r for r in series.get(baseline_of.get(kind, kind), [])
                     if r["count"] == 1 and r["exit_status"] == 0), None)
        for r in runs:
            if not base or r["exit_status"] != 0:
                continue
            k = r["count"]
            wall_ratio = base["wall_s"] / r["wall_s"]
            if kind == "weak":
                r["efficiency_by_wall"] = round(wall_ratio, 3)
            else:
                r["speedup_by_wall"] = round(wall_ratio, 2)
                r["efficiency_by_wall"] = round(wall_ratio / k, 3)
            if r.get("agent_updates_per_s") and base.get("agent_updates_per_s"):
                rate_ratio = r["agent_updates_per_s"] / base["agent_updates_per_s"]
                # Weak scaling: K times the work in the same time is efficiency 1.
                r["loop_speedup"] = round(rate_ratio, 2)
                r["loop_efficiency"] = round(rate_ratio / k, 3)
            if "phase_seconds" in r and "phase_seconds" in base:
                r["phase_speedup"] = {
                    name: round(base["phase_seconds"][name] / seconds, 2)
                    for name, seconds in r["phase_seconds"].items()
                    if seconds > 0 and name in base["phase_seconds"]}
    machine = (out / "machine.txt").read_text(errors="replace") if (
        out / "machine.txt").exists() else ""
    model = re.search(r"Model name:\s*(.*)", machine)
    result = {"machine": {"cpus": (re.search(r"^CPU\(s\):\s*(\d+)", machine, re.M) or [None,
                                                                                        None])[1],
                          "model": model.group(1).strip() if model else None,
                          "threads_per_core": (re.search(r"Thread\(s\) per core:\s*(\d+)",
                                                         machine) or [None, None])[1]},
              "series": series}
    if "--markdown" in sys.argv:
        print_markdown(result)
    else:
        print(json.dumps(result, indent=2))


def print_markdown(result):
    for kind, runs in result["series"].items():
        print(f"\n**{kind}**\n")
        print("| count | wall s | speedup (wall) | eff. (wall) | agent-updates/s | loop speedup "
              "| loop eff. | max/mean work | halo B/step |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in runs:
            def cell(key, fmt="{}"):
                return fmt.format(r[key]) if key in r else "-"
            print(f"| {r['count']} | {r['wall_s']:.1f} | {cell('speedup_by_wall')} | "
                  f"{cell('efficiency_by_wall')} | {cell('agent_updates_per_s', '{:.3g}')} | "
                  f"{cell('loop_speedup')} | {cell('loop_efficiency')} | "
                  f"{cell('work_max_over_mean')} | {cell('halo_bytes_per_step')} |")


if __name__ == "__main__":
    main()
