"""Merge shards: one run folder from the results of several (``dvc-conformance merge``).

Each shard's ``results.jsonl`` is read raw (complete lines only); an item present in more
than one place keeps its last record (later shard folders on the command line win, and
within a folder the later line, as for a resumed run). Artifacts (screenshots, traces) are
copied; their paths in the records are relative to the run folder, so they stay valid.
The reports are then built from the merged lines, as for any run.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterable

from engine.results import RESULTS_FILE


class MergeError(Exception):
    """Nothing to merge, or the output folder is already a run."""


def _complete_records(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n") or not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and "item" in record:
                records.append(record)
    return records


def merge_runs(out_dir: Path, shard_dirs: Iterable[Path], known: Iterable[str] = ()) -> dict[str, Any]:
    """Write ``out_dir/results.jsonl`` (+ artifacts, + reports); return what was merged."""
    out_dir = Path(out_dir)
    shard_dirs = [Path(d) for d in shard_dirs]
    if (out_dir / RESULTS_FILE).exists():
        raise MergeError(f"{out_dir} đã có {RESULTS_FILE}: chọn một thư mục mới cho bản gộp")
    missing = [d for d in shard_dirs if not d.is_dir()]
    if missing:
        raise MergeError(f"{missing[0]}: không phải thư mục của một lần chạy")
    by_item: dict[str, dict[str, Any]] = {}
    lines = 0
    for shard in shard_dirs:
        if not (shard / RESULTS_FILE).exists():  # an empty shard (more shards than targets)
            continue
        for record in _complete_records(shard / RESULTS_FILE):
            lines += 1
            by_item.pop(record["item"], None)  # last wins, and takes the last position
            by_item[record["item"]] = record
    if not by_item:
        raise MergeError("các thư mục phân đoạn không có kết quả nào")
    out_dir.mkdir(parents=True, exist_ok=True)
    for shard in shard_dirs:
        artifacts = shard / "artifacts"
        if artifacts.is_dir():
            shutil.copytree(artifacts, out_dir / "artifacts", dirs_exist_ok=True)
    text = "".join(json.dumps(dict(record, run_id=out_dir.name), ensure_ascii=False, sort_keys=True) + "\n"
                   for record in by_item.values())
    temporary = out_dir / (RESULTS_FILE + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(out_dir / RESULTS_FILE)
    from engine.report import build_reports
    build_reports(out_dir, known=known)
    return {"shards": len(shard_dirs), "lines": lines, "items": len(by_item)}
