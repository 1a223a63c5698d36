"""Agreement with the letter: synthetic runs against the letter's findings for two units."""
from __future__ import annotations

import json

import pytest

from engine.agreement import EXIT_AGREE, EXIT_DISAGREE, EXIT_NOTHING, run_agreement
from engine.cli import main
from engine.results import append_result
from engine.units import registry

# The letter on Bộ Công an (TT 1): redirect pass, sso pass, single_system fail, input_validation fail.
CONG_AN = {"redirect": "dat", "sso": "dat", "single_system": "chua_dat", "input_validation": "chua_dat"}


def rec(uid, code, criterion, outcome, sentence=None):
    info = registry().get(uid)
    return {"run_id": "20261204-153000", "item": f"{code or 'sweep'}[{uid}]::{criterion}", "code": code,
            "procedure": "", "target": uid, "unit": {"id": uid, "name": info.name, "section": info.section},
            "criterion": criterion, "outcome": outcome, "sentence": sentence or f"{criterion}: {outcome}.",
            "reason": None, "evidence": {}, "duration_s": 1.0, "finished_at": "2026-12-04T15:31:02+07:00",
            "dry_run": False}


def make_run(tmp_path, outcomes, extra=()):
    run = tmp_path / "run"
    for criterion, outcome in outcomes.items():
        append_result(run, rec("bo-cong-an", "" if criterion == "single_system" else "1.000001", criterion, outcome))
    for record in extra:
        append_result(run, record)
    return run


def lines_of(run, **kwargs):
    said = []
    code = run_agreement(run, say=said.append, **kwargs)
    return code, said, json.loads((run / "agreement.json").read_text(encoding="utf-8"))


def test_full_agreement(tmp_path):
    run = make_run(tmp_path, CONG_AN, extra=[rec("bo-cong-an", "1.000001", "autofill", "dat")])
    code, said, data = lines_of(run, units=["bo-cong-an"])
    assert code == EXIT_AGREE
    assert data["overall"] == {"agree": 4, "covered": 4, "rate": "100%", "not_run": 0, "not_stated": 1}
    assert data["disagreements"] == []
    assert any(line.startswith("Tổng cộng: 4/4 (100%) ô khớp") for line in said)
    sso = next(c for c in data["criteria"] if c["id"] == "sso")
    assert (sso["agree"], sso["covered"], sso["title"]) == (1, 1, "Đăng nhập 1 lần (SSO)")


def test_one_disagreement_is_listed_with_the_letters_quote(tmp_path):
    outcomes = dict(CONG_AN, sso="chua_dat")
    run = make_run(tmp_path, outcomes)
    append_result(run, rec("bo-cong-an", "1.000001", "sso", "chua_dat", "Vẫn yêu cầu đăng nhập lại."))
    code, said, data = lines_of(run, units=["bo-cong-an"])
    assert code == EXIT_DISAGREE
    assert (data["overall"]["agree"], data["overall"]["covered"], data["overall"]["rate"]) == (3, 4, "75%")
    (d,) = data["disagreements"]
    assert (d["unit_id"], d["criterion"], d["letter_verdict"], d["tool_outcome"]) == (
        "bo-cong-an", "sso", "pass", "chua_dat")
    assert d["letter_quote"] == "Đã có cơ chế đăng nhập 1 lần"
    assert d["tool_sentences"] == ["[1.000001] Vẫn yêu cầu đăng nhập lại."]
    text = "\n".join(said)
    assert "Bộ Công an — Đăng nhập 1 lần (SSO):" in text
    assert "Công văn: đạt — “Đã có cơ chế đăng nhập 1 lần”" in text
    assert "Công cụ:  chưa đạt — [1.000001] Vẫn yêu cầu đăng nhập lại." in text


def test_could_not_check_on_a_stated_cell_is_not_agreement(tmp_path):
    run = make_run(tmp_path, dict(CONG_AN, redirect="khong_kiem_tra_duoc"))
    code, _, data = lines_of(run, units=["bo-cong-an"])
    assert code == EXIT_DISAGREE and data["disagreements"][0]["tool_outcome"] == "khong_kiem_tra_duoc"


def test_cells_not_run_are_counted_apart(tmp_path):
    run = make_run(tmp_path, CONG_AN)
    # Bộ Công Thương (TT 2) is stated (sso fail, service_usable partial, provided_on_portal pass) but not run.
    code, said, data = lines_of(run, units=["bo-cong-an", "bo-cong-thuong"])
    assert code == EXIT_AGREE
    assert data["overall"]["covered"] == 4 and data["overall"]["not_run"] == 3
    assert {(n["unit_id"], n["criterion"]) for n in data["not_run"]} == {
        ("bo-cong-thuong", "sso"), ("bo-cong-thuong", "service_usable"), ("bo-cong-thuong", "provided_on_portal")}
    assert any("chưa chạy: 3 ô" in line for line in said)
    # Without --units every other unit of the letter is "chưa chạy", still not in the rate.
    code, _, data = lines_of(run)
    assert code == EXIT_AGREE and data["overall"]["covered"] == 4 and data["overall"]["not_run"] > 300


def test_nothing_to_compare_and_the_cli(tmp_path, capsys):
    run = tmp_path / "run"
    append_result(run, rec("tham-chieu", "1.000001", "sso", "dat"))
    assert run_agreement(run, say=lambda _: None) == EXIT_NOTHING
    assert run_agreement(tmp_path / "none", say=lambda _: None) == EXIT_NOTHING
    run2 = make_run(tmp_path / "b", dict(CONG_AN, input_validation="mot_phan"))
    assert main(["agreement", str(run2), "--units", "bo-cong-an"]) == EXIT_DISAGREE
    out = capsys.readouterr().out
    assert "Kiểm tra tính hợp lệ dữ liệu tự nhập (SĐT, email)" in out and "3/4 (75%)" in out
    letter = tmp_path / "letter.yaml"
    letter.write_text("- {section: bo, stt: 1, name: Bộ Công an, findings: {sso: {verdict: pass, quote: q}}}\n",
                      encoding="utf-8")
    assert main(["agreement", str(run2), "--letter", str(letter)]) == EXIT_AGREE
