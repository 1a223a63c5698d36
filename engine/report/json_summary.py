"""The run's findings as one JSON document (``summary.json`` in the run folder), for
dashboards, CI gates and the merge of nightly runs: what the HTML page shows, without layout.
"appendix" is the letter's table (engine/report/appendix.py); "appendix_2025" the same with the
provinces grouped by the 34 in force since 01/7/2025."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from engine.report.appendix import appendix
from engine.report.paragraph import RunView, read_run


def summary_data(view: RunView) -> dict[str, Any]:
    return {
        "run_id": view.run_id,
        "units_count": len(view.units),
        "criteria": view.criteria,
        "totals": view.totals(),
        "dry_run": any(r.get("dry_run") for r in view.records),
        "units": [
            {"id": u.id, "name": u.name, "section": u.section, "codes": u.codes,
             "paragraph": u.lines, "criteria": u.outcomes}
            for u in view.units
        ],
        "appendix": appendix(view),
        "appendix_2025": appendix(view, rollup="2025"),
    }


def write_json_summary(run_dir: Path, known: Iterable[str] = (), view: RunView | None = None) -> Path:
    """Write ``run_dir/summary.json`` and return its path."""
    run_dir = Path(run_dir)
    view = view or read_run(run_dir, known)
    path = run_dir / "summary.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(summary_data(view), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
