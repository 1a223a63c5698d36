"""History between runs: newly failing, fixed, still failing since when; trend per unit;
in history.json and in the HTML report. Runs are built by hand (results lines only)."""
from __future__ import annotations

import json

from engine.report import build_reports
from engine.results import append_result


def _line(run: str, unit: str, criterion: str, outcome: str) -> dict:
    return {"run_id": run, "item": f"2.000635[{unit}]::{criterion}", "code": "2.000635",
            "procedure": "Cấp bản sao Trích lục hộ tịch", "target": unit,
            "unit": {"id": unit, "name": f"Tỉnh {unit}", "section": "dia_phuong"},
            "criterion": criterion, "outcome": outcome, "sentence": f"{criterion} {outcome}.", "reason": None,
            "evidence": {}, "duration_s": 1.0, "finished_at": "2026-12-04T10:00:00+07:00", "dry_run": False}


RUNS = {  # run -> (unit, criterion) -> outcome
    "20261201-010000": {("a", "sso"): "chua_dat", ("a", "autofill"): "dat", ("b", "sso"): "dat"},
    "20261202-010000": {("a", "sso"): "chua_dat", ("a", "autofill"): "dat", ("b", "sso"): "chua_dat"},
    "20261203-010000": {("a", "sso"): "chua_dat", ("a", "autofill"): "chua_dat", ("b", "sso"): "dat"},
}


def test_changes_since_the_previous_run(tmp_path):
    for run, outcomes in RUNS.items():
        for (unit, criterion), outcome in outcomes.items():
            append_result(tmp_path / run, _line(run, unit, criterion, outcome))
    latest = tmp_path / "20261203-010000"
    paths = build_reports(latest)
    history = json.loads(paths["history"].read_text(encoding="utf-8"))
    status = {(c["unit"], c["criterion"]): c for c in history["changes"]}
    assert history["previous_run"] == "20261202-010000"
    assert status[("a", "autofill")]["status"] == "moi_chua_dat"
    assert status[("b", "sso")]["status"] == "da_khac_phuc"
    assert status[("a", "sso")]["status"] == "van_chua_dat"
    assert status[("a", "sso")]["since"] == "20261201-010000"
    assert [t["chua_dat"] for t in history["trend"]["a"]] == [1, 1, 2]
    html = (latest / "index.html").read_text(encoding="utf-8")
    assert "Thay đổi so với lần chạy trước" in html and "<svg" in html
    assert "mới chưa đạt" in html and "đã khắc phục" in html and "từ lần chạy 01/12/2026" in html


def test_first_run_has_no_history(tmp_path):
    run = tmp_path / "20261201-010000"
    append_result(run, _line(run.name, "a", "sso", "dat"))
    assert "history" not in build_reports(run)
    assert "Thay đổi so với lần chạy trước" not in (run / "index.html").read_text(encoding="utf-8")
