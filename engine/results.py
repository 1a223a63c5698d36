"""Results: one JSON line per finished item, appended as each item ends.

The run's folder holds ``results.jsonl``; every report writer reads only these lines, so
a report can be rebuilt, merged from shards, or resumed after a crash.

A line (all keys always present):

    {"run_id": "20261204-153000", "item": "2.000635[tham-chieu]::sso",
     "code": "2.000635", "procedure": "Cấp bản sao Trích lục hộ tịch",
     "target": "tham-chieu",
     "unit": {"id": "tham-chieu", "name": "Cổng tham chiếu", "section": "sandbox"},
     "criterion": "sso", "outcome": "dat", "sentence": "...", "reason": null,
     "evidence": {...}, "duration_s": 1.23, "finished_at": "2026-12-04T15:30:01+07:00",
     "dry_run": false}

``section`` is "bo" (ministries), "dia_phuong" (provinces) or "sandbox" (the embedded
test portals that no letter speaks of). Personal data is masked before a line is written.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

RESULTS_FILE = "results.jsonl"


def append_result(run_dir: Path, record: dict[str, Any]) -> None:
    """Append one record; one write call per line, so concurrent xdist workers appending to
    the same file never interleave within a line (O_APPEND writes below PIPE_BUF-ish sizes
    are atomic on Linux for regular files in practice; we also flush and fsync)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    fd = os.open(run_dir / RESULTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_results(run_dir: Path) -> list[dict[str, Any]]:
    """All complete records of a run; a torn last line (a killed run) is skipped. When an
    item appears twice (a resumed run), the last record wins."""
    path = Path(run_dir) / RESULTS_FILE
    by_item: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            by_item[record["item"]] = record
    return list(by_item.values())


def iter_units(records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Group records by unit, in first-seen order."""
    order: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for record in records:
        unit = record["unit"]
        order.setdefault(unit["id"], (unit, []))[1].append(record)
    yield from order.values()
