"""History: what changed since the previous runs, per unit and criterion.

Runs live side by side (``reports/runs/<date-time>/``); names sort in time order. This
module reads only their ``results.jsonl`` (never re-runs anything) and writes
``history.json`` into the current run: each (unit, criterion) with its status — newly
failing, fixed, still failing (since which run), unchanged — and a per-unit trend over the
last runs. The HTML writer draws the trend as a small inline SVG.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.report.paragraph import aggregate_outcome
from engine.results import RESULTS_FILE, read_results
from engine.verdict import CHUA_DAT, DAT, MOT_PHAN

FAILING = (CHUA_DAT, MOT_PHAN)
NEW_FAILURE, FIXED, STILL_FAILING, UNCHANGED, NEW = "moi_chua_dat", "da_khac_phuc", "van_chua_dat", "khong_doi", "moi"
STATUS_LABELS = {NEW_FAILURE: "mới chưa đạt", FIXED: "đã khắc phục", STILL_FAILING: "vẫn chưa đạt",
                 UNCHANGED: "không đổi", NEW: "mới kiểm tra"}
HISTORY_FILE = "history.json"
TREND_RUNS = 10


def earlier_runs(run_dir: Path) -> list[Path]:
    """The runs beside this one that came before it, oldest first."""
    run_dir = Path(run_dir).resolve()  # reports/latest is a link: compare the real folder
    return sorted(p for p in run_dir.parent.iterdir()
                  if p.is_dir() and p.name < run_dir.name and (p / RESULTS_FILE).exists())


def outcomes_by_unit(run_dir: Path) -> dict[tuple[str, str], str]:
    """One outcome per (unit, criterion), procedures folded as the report folds them."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for record in read_results(run_dir):
        grouped.setdefault((record["unit"]["id"], record["criterion"]), []).append(record["outcome"])
    return {key: aggregate_outcome(values, key[1]) for key, values in grouped.items()}


def compute_history(run_dir: Path) -> dict[str, Any] | None:
    """None when there is no earlier run to compare with."""
    run_dir = Path(run_dir).resolve()
    before = earlier_runs(run_dir)
    if not before:
        return None
    series = [(p.name, outcomes_by_unit(p)) for p in before[-(TREND_RUNS - 1):]] + \
             [(run_dir.name, outcomes_by_unit(run_dir))]
    current, previous = series[-1][1], series[-2][1]
    changes = []
    for key in sorted(current):
        now, then = current[key], previous.get(key)
        if then is None:
            status = NEW
        elif now in FAILING and then not in FAILING:
            status = NEW_FAILURE
        elif now == DAT and then in FAILING:
            status = FIXED
        elif now in FAILING:
            status = STILL_FAILING
        else:
            status = UNCHANGED
        since = None
        if status == STILL_FAILING:  # the first run of the unbroken failing streak
            for name, outcomes in reversed(series):
                if outcomes.get(key) not in FAILING:
                    break
                since = name
        changes.append({"unit": key[0], "criterion": key[1], "status": status, "label": STATUS_LABELS[status],
                        "previous": then, "current": now, "since": since})
    trend: dict[str, list[dict[str, Any]]] = {}
    for name, outcomes in series:
        for unit in {u for u, _ in current}:
            values = [o for (u, _), o in outcomes.items() if u == unit]
            if values:
                trend.setdefault(unit, []).append({"run": name, "dat": values.count(DAT),
                                                   "chua_dat": sum(v in FAILING for v in values)})
    return {"run": run_dir.name, "previous_run": series[-2][0], "changes": changes, "trend": trend}


def write_history(run_dir: Path) -> Path | None:
    history = compute_history(run_dir)
    if history is None:
        return None
    path = Path(run_dir) / HISTORY_FILE
    path.write_text(json.dumps(history, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_history(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / HISTORY_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
