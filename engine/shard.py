"""Shards and resume: which collected items this process runs.

``--dvc-shard i/n`` (1-based, as Playwright's ``--shard``) keeps the targets whose stable
hash falls in shard i of n. The hash is of ``code[target]`` (e.g. ``2.000635[tham-chieu]``),
so every item of one (procedure, unit) lands in the same shard, the partition does not depend
on which other scenarios exist, and n jobs of any scheduler cover every item exactly once.

``--dvc-resume`` skips the items that already have a complete line in the run folder's
``results.jsonl`` (a killed run), after cutting off a torn last line.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from engine.results import RESULTS_FILE


class ShardError(ValueError):
    """A malformed ``i/n``."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; 1 <= i <= n."""
    try:
        index, _, count = text.strip().partition("/")
        i, n = int(index), int(count)
    except ValueError:
        raise ShardError(f"--dvc-shard {text!r}: cần dạng i/n, ví dụ 1/4") from None
    if n < 1 or not 1 <= i <= n:
        raise ShardError(f"--dvc-shard {text!r}: cần 1 ≤ i ≤ n (đánh số từ 1, ví dụ 1/4 … 4/4)")
    return i, n


def target_key(code: str, target: str) -> str:
    """What a shard is decided on: one (procedure, unit)."""
    return f"{code}[{target}]"


def shard_of(key: str, count: int) -> int:
    """The 1-based shard of a target key among ``count`` shards (stable across machines and
    Python versions: sha1, not ``hash()``)."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    return int(digest, 16) % count + 1


def repair_results(run_dir: Path) -> int:
    """Cut a torn last line (a run killed mid-write) so that appended lines start clean.
    Returns the number of bytes removed."""
    path = Path(run_dir) / RESULTS_FILE
    if not path.exists():
        return 0
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return 0
    keep = data.rfind(b"\n") + 1  # 0 when the only line is torn
    with path.open("r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    return len(data) - keep


def finished_items(run_dir: Path) -> set[str]:
    """Items with a complete result line in the run folder."""
    path = Path(run_dir) / RESULTS_FILE
    done: set[str] = set()
    if not path.exists():
        return done
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                continue  # torn
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and "item" in record:
                done.add(record["item"])
    return done


def latest_run_dir(runs: Path) -> Path | None:
    """The newest run folder under ``reports/runs`` (names are time stamps), e.g. the run
    that was killed: ``reports/latest`` is only moved when a run ends."""
    if not runs.is_dir():
        return None
    candidates = sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith("."))
    return candidates[-1] if candidates else None
