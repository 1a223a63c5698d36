"""Shards, resume bookkeeping, merge and progress lines, without a browser."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from engine.merge import MergeError, merge_runs
from engine.plugin import Progress
from engine.results import RESULTS_FILE, read_results
from engine.shard import (ShardError, finished_items, latest_run_dir, parse_shard, repair_results, shard_of,
                          target_key)


def test_parse_shard():
    assert parse_shard("1/1") == (1, 1)
    assert parse_shard(" 3/4 ") == (3, 4)
    for bad in ("0/2", "3/2", "1/0", "a/b", "2", "1-2", "-1/2"):
        with pytest.raises(ShardError):
            parse_shard(bad)


def test_shards_cover_every_target_exactly_once_and_are_stable():
    keys = [target_key(code, t) for code in ("2.000635", "1.001234", "2.002189") for t in
            ("ha-noi", "ho-chi-minh", "da-nang", "bo-tu-phap", "tham-chieu", "ve-trang-chu", "khong-tu-dien")]
    for n in (1, 2, 3, 5, 8):
        owners = {key: [i for i in range(1, n + 1) if shard_of(key, n) == i] for key in keys}
        assert all(len(found) == 1 for found in owners.values()), n
    # sha1-based: the same on every machine and Python (hash() would not be)
    assert shard_of("2.000635[tham-chieu]", 2) == 1
    assert shard_of("2.000635[khong-tu-dien]", 2) == 2
    assert target_key("2.000635", "tham-chieu") == "2.000635[tham-chieu]"


def test_more_shards_than_targets_leaves_some_empty():
    keys = [target_key("2.000635", t) for t in ("a", "b")]
    assert len({shard_of(k, 10) for k in keys}) <= 2


def _record(item: str, outcome: str = "dat", run_id: str = "r") -> dict:
    code, rest = item.split("[", 1)
    target, criterion = rest.split("]::")
    return {"run_id": run_id, "item": item, "code": code, "procedure": "Thủ tục thử", "target": target,
            "unit": {"id": target, "name": f"Đơn vị {target}", "section": "sandbox"}, "criterion": criterion,
            "outcome": outcome, "sentence": f"Câu cho {item}.", "reason": None if outcome != "khong_kiem_tra_duoc"
            else "lý do", "evidence": {}, "duration_s": 0.1, "finished_at": "2026-12-04T10:00:00+07:00",
            "dry_run": False, "trace": None}


def _write(run_dir, records, tail: str = ""):
    run_dir.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + tail
    (run_dir / RESULTS_FILE).write_text(text, encoding="utf-8")


def test_repair_cuts_a_torn_last_line_only(tmp_path):
    records = [_record("2.000635[a]::sso"), _record("2.000635[a]::redirect")]
    _write(tmp_path, records, tail='{"item": "2.000635[b]::sso", "outc')
    assert finished_items(tmp_path) == {"2.000635[a]::sso", "2.000635[a]::redirect"}
    assert repair_results(tmp_path) > 0
    assert (tmp_path / RESULTS_FILE).read_text(encoding="utf-8").endswith("\n")
    assert repair_results(tmp_path) == 0
    assert len(read_results(tmp_path)) == 2


def test_repair_of_a_single_torn_line_empties_the_file(tmp_path):
    _write(tmp_path, [], tail='{"item": "x')
    repair_results(tmp_path)
    assert (tmp_path / RESULTS_FILE).read_bytes() == b""
    assert finished_items(tmp_path) == set()


def test_latest_run_dir(tmp_path):
    assert latest_run_dir(tmp_path / "none") is None
    for name in ("20261203-010000", "20261204-010000", "20261204-000000"):
        (tmp_path / name).mkdir()
    assert latest_run_dir(tmp_path).name == "20261204-010000"


def test_merge_dedupes_last_wins_copies_artifacts_and_builds_reports(tmp_path):
    one, two, out = tmp_path / "s1", tmp_path / "s2", tmp_path / "merged"
    _write(one, [_record("2.000635[a]::sso"), _record("2.000635[a]::redirect", "chua_dat")],
           tail='{"torn": ')
    _write(two, [_record("2.000635[b]::sso", "khong_kiem_tra_duoc"), _record("2.000635[a]::redirect", "dat")])
    (one / "artifacts" / "2.000635-a").mkdir(parents=True)
    (one / "artifacts" / "2.000635-a" / "shot.png").write_bytes(b"png")
    empty = tmp_path / "s3"
    empty.mkdir()  # an empty shard: its run folder exists, without results
    merged = merge_runs(out, [one, two, empty])
    assert merged == {"shards": 3, "lines": 4, "items": 3}
    lines = (out / RESULTS_FILE).read_text(encoding="utf-8").splitlines()
    items = [json.loads(line)["item"] for line in lines]
    assert sorted(items) == ["2.000635[a]::redirect", "2.000635[a]::sso", "2.000635[b]::sso"]
    outcomes = {json.loads(line)["item"]: json.loads(line)["outcome"] for line in lines}
    assert outcomes["2.000635[a]::redirect"] == "dat"  # the later shard folder wins
    assert all(json.loads(line)["run_id"] == "merged" for line in lines)
    assert (out / "artifacts" / "2.000635-a" / "shot.png").read_bytes() == b"png"
    assert (out / "index.html").exists() and (out / "summary.json").exists()
    with pytest.raises(MergeError):
        merge_runs(out, [one])  # never over an existing run
    with pytest.raises(MergeError):
        merge_runs(tmp_path / "other", [tmp_path / "missing"])


def _report(nodeid: str, when: str, outcome: str | None = None, unit: str = "Tỉnh X", failed: bool = False):
    props = [("outcome", outcome), ("sentence", "..."), ("unit", unit)] if outcome else []
    return SimpleNamespace(nodeid=nodeid, when=when, user_properties=props, failed=failed)


def test_progress_line_when_a_target_s_last_item_ends():
    progress = Progress()
    base = "scenarios/2.000635.yaml::2.000635"
    ids = [f"{base}[x]::sso", f"{base}[x]::redirect", f"{base}[x]::autofill", f"{base}[y]::sso"]
    progress.expect(ids)
    lines = []
    for nodeid, outcome in zip(ids, ("dat", "chua_dat", "khong_kiem_tra_duoc", "dat")):
        for when in ("setup", "call", "teardown"):
            unit = "Tỉnh X" if "[x]" in nodeid else "Bộ Y"
            line = progress.item_done(_report(nodeid, when, outcome if when == "call" else None, unit))
            if line:
                lines.append(line)
    assert lines == ["[1/2] Tỉnh X: 1 đạt, 1 chưa đạt, 1 không kiểm tra được", "[2/2] Bộ Y: 1 đạt"]


def test_progress_counts_a_setup_error_without_a_verdict():
    progress = Progress()
    nodeid = "s/2.000635.yaml::2.000635[x]::sso"
    progress.expect([nodeid])
    assert progress.item_done(_report(nodeid, "setup", failed=True)) is None
    assert progress.item_done(_report(nodeid, "teardown")) == "[1/1] 2.000635[x]: 1 lỗi của công cụ"
