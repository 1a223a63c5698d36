"""``reports/index.html``: the runs kept under ``reports/runs/``, newest first, each with its
totals and a link to its report. Rebuilt whenever a run's report is written; it reads each
run's ``summary.json`` (or its results when there is none) and nothing else."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.report.paragraph import RunView
from engine.report.site.common import TITLE, asset_text, badge, esc, run_time, scroll, write_atomic
from engine.results import RESULTS_FILE, read_results
from engine.verdict import OUTCOMES

RUNS_INDEX = "index.html"


def _totals(run: Path) -> dict[str, Any] | None:
    summary = run / "summary.json"
    if summary.is_file():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
            return {"units": data.get("units_count", len(data.get("units", []))),
                    "criteria": len(data.get("criteria", [])), "totals": data.get("totals", {}),
                    "dry_run": bool(data.get("dry_run"))}
        except (OSError, ValueError):
            pass
    records = read_results(run)
    if not records:
        return None
    totals = {o: 0 for o in OUTCOMES}
    for record in records:
        totals[record["outcome"]] = totals.get(record["outcome"], 0) + 1
    return {"units": len({r["unit"]["id"] for r in records}), "criteria": len({r["criterion"] for r in records}),
            "totals": totals, "dry_run": any(r.get("dry_run") for r in records)}


def write_runs_index(runs_dir: Path, current: RunView | None = None) -> Path:
    """Write ``runs_dir/../index.html``; ``current``: the run being written (its summary.json
    may not be there yet)."""
    runs_dir = Path(runs_dir)
    rows = []
    runs = sorted((p for p in runs_dir.iterdir() if p.is_dir() and (p / RESULTS_FILE).exists()),
                  key=lambda p: p.name, reverse=True)
    for run in runs:
        if current is not None and run.name == current.run_id:
            facts = {"units": len(current.units), "criteria": len(current.criteria), "totals": current.totals(),
                     "dry_run": any(r.get("dry_run") for r in current.records)}
        else:
            facts = _totals(run)
        if facts is None:
            continue
        when = run_time(run.name)
        report = run / "index.html"
        name = (f'<a href="runs/{esc(run.name)}/index.html">{esc(when)}</a>'
                if report.exists() or (current is not None and run.name == current.run_id) else esc(when))
        cells = "".join(f'<td class="num">{facts["totals"].get(o, 0)}</td>' for o in OUTCOMES)
        rows.append(f'<tr><th scope="row">{name}' + (' <span class="meta">(không nộp thật)</span>' if facts["dry_run"]
                                                      else "") + "</th>"
                    f'<td class="num">{facts["units"]}</td><td class="num">{facts["criteria"]}</td>{cells}</tr>')
    head = "".join(f'<th scope="col" class="num">{badge(o)}</th>' for o in OUTCOMES)
    table = ('<table><thead><tr><th scope="col">Lượt chạy</th><th scope="col" class="num">Đơn vị</th>'
             f'<th scope="col" class="num">Tiêu chí</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    body = (f"<h1>Các lượt chạy — {esc(TITLE)}</h1>"
            f'<p class="meta">{len(rows)} lượt chạy, mới nhất trước. Số liệu: số kết quả theo từng mức '
            "(một kết quả ứng với một tiêu chí của một thủ tục tại một đơn vị).</p>"
            + (scroll(table, "Các lượt chạy") if rows else "<p>Chưa có lượt chạy nào.</p>"))
    # Its own copy of the style: runs come and go, this page must not depend on one of them.
    text = ('<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
            f"<title>Các lượt chạy — {esc(TITLE)}</title><style>{asset_text('site.css')}</style></head>"
            f'<body><main id="noi-dung">{body}</main></body></html>\n')
    path = runs_dir.parent / RUNS_INDEX
    write_atomic(path, text)
    return path
