"""The validation table as plain text (stdout), Markdown and JSON."""

import json
import math

COLUMNS = (
    ("id", "check"),
    ("description", "readout"),
    ("cartsim_text", "cartsim (95% CI)"),
    ("n_text", "n"),
    ("published_text", "published"),
    ("source", "source"),
    ("verdict", "verdict"),
)


def _cell(row, key):
    value = row.get(key)
    return "-" if value is None else str(value)


def text_table(rows):
    """Aligned columns; the readout and source columns are the widest, the rest fit."""
    header = [title for _, title in COLUMNS]
    body = [[_cell(row, key) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in [header] + body) for i in range(len(header))]
    lines = ["  ".join(text.ljust(w) for text, w in zip(line, widths)).rstrip()
             for line in [header] + body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    header = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(_cell(row, key).replace("|", "/") for key, _ in COLUMNS) + " |"
            for row in rows]
    return "\n".join([header, rule] + body)


def write_markdown(path, rows, meta):
    notes = [f"- **{r['id']}**: {r['band_note']}" for r in rows if r.get("band_note")]
    gaps = [f"- **{r['id']}**: {r['known_gap']}" for r in rows if r.get("known_gap")]
    def settings(c):
        return "".join(f" --set {k}={v}" for k, v in c.get("set", {}).items())
    cohorts = ", ".join(f"{name}: {c['scenario']}{settings(c)}, {c['patients']} patients, "
                        f"{c['days']} d" for name, c in meta["cohorts"].items())
    text = [f"Validation table ({meta['mode']} mode; cartsim {meta.get('cartsim_git_commit') or '?'}; "
            f"{cohorts}; {meta['wall_seconds']} s with --jobs {meta['jobs']})", "",
            markdown_table(rows), ""]
    if notes:
        text += ["Published bands:", ""] + notes + [""]
    if gaps:
        text += ["Known gaps (reported, not gated):", ""] + gaps + [""]
    path.write_text("\n".join(text))


def _json_safe(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def write_json(path, rows, meta):
    clean = [{k: _json_safe(v) for k, v in row.items()} for row in rows]
    path.write_text(json.dumps({"meta": meta, "checks": clean}, indent=2) + "\n")
