"""The letter's appendix from a run: rows in the letter's order, counts from the catalog sweep,
rates written the letter's way, the 2025 roll-up of provinces, the Word export."""
from __future__ import annotations

import json

import pytest

from engine.report.appendix import appendix, format_rate
from engine.report.json_summary import write_json_summary
from engine.report.paragraph import compose_paragraph, read_run
from engine.report.word import write_word_appendix
from engine.results import append_result
from engine.units import registry

RUN_ID = "20261204-153000"


def unit(uid):
    info = registry().get(uid)
    return {"id": info.id, "name": info.name, "section": info.section}


def rec(uid, code, criterion, outcome, sentence, evidence=None):
    return {"run_id": RUN_ID, "item": f"{code or 'sweep'}[{uid}]::{criterion}", "code": code,
            "procedure": "Cấp bản sao Trích lục hộ tịch" if code else "", "target": uid, "unit": unit(uid),
            "criterion": criterion, "outcome": outcome, "sentence": sentence, "reason": None,
            "evidence": evidence or {}, "duration_s": 1.0, "finished_at": "2026-12-04T15:31:02+07:00",
            "dry_run": False}


def sweep(uid, declared, working):
    return rec(uid, "", "provided_on_portal", "dat" if working else "chua_dat",
               f"Có cung cấp dịch vụ công trực tuyến trên Cổng Dịch vụ công quốc gia: {working}/{declared} DVCTT.",
               evidence={"catalog": {"declared": declared, "working": working}})


RECORDS = [
    rec("yen-bai", "2.000635", "redirect", "chua_dat", "Chưa thực hiện điều hướng chính xác."),
    sweep("yen-bai", 490, 41),
    rec("lao-cai", "2.000635", "redirect", "dat", "Đã điều hướng chính xác."),
    rec("lao-cai", "1.001731", "autofill", "chua_dat", "Chưa tự động điền."),
    sweep("lao-cai", 494, 120),
    rec("bo-cong-an", "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần."),
    sweep("bo-cong-an", 79, 25),
    rec("bo-tu-phap", "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần."),  # no sweep: "—"
    rec("ha-noi", "2.000635", "sso", "chua_dat", "Vẫn yêu cầu đăng nhập lại."),
    sweep("ha-noi", 492, 6),
]


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / RUN_ID
    for record in RECORDS:
        append_result(run, record)
    return run


def test_rates_the_letters_way():
    assert format_rate(25, 79) == "31,6%"
    assert format_rate(156, 520) == "30%"
    assert format_rate(0, 13) == "0%" and format_rate(0, 0) == "0%"
    assert format_rate(283, 488) == "58%"
    assert format_rate(6, 492) == "1,2%"


def test_rows_in_the_letters_order_with_counts_from_the_sweep(run_dir):
    data = appendix(read_run(run_dir))
    assert [s["id"] for s in data["sections"]] == ["bo", "dia_phuong"]  # no lab unit: no third section
    bo, dia = data["sections"]
    assert bo["title"] == "I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ"
    assert [(r["tt"], r["unit_id"]) for r in bo["rows"]] == [("1", "bo-cong-an"), ("11", "bo-tu-phap")]
    cong_an = bo["rows"][0]
    assert (cong_an["total_text"], cong_an["provided_text"], cong_an["rate"]) == ("79", "25", "31,6%")
    tu_phap = bo["rows"][1]
    assert (tu_phap["total"], tu_phap["total_text"], tu_phap["provided_text"], tu_phap["rate"]) == (None, "—", "—", "—")
    assert [r["unit_id"] for r in dia["rows"]] == ["ha-noi", "lao-cai", "yen-bai"]  # TT 3, 39, 63
    assert dia["rows"][0]["rate"] == "1,2%"
    assert dia["rows"][1]["paragraph"][-1] == "(Đã kiểm tra điểm đối với mã TTHC 2.000635, 1.001731)"
    full = appendix(read_run(run_dir), all_units=True)
    assert [len(s["rows"]) for s in full["sections"]] == [16, 63]
    assert full["sections"][1]["rows"][1]["covered"] is False and full["sections"][1]["rows"][1]["rate"] == "—"


def test_lab_units_make_a_third_section(run_dir):
    append_result(run_dir, rec("tham-chieu", "2.000635", "sso", "dat", "Đã có SSO."))
    sections = appendix(read_run(run_dir))["sections"]
    assert sections[-1]["id"] == "sandbox" and sections[-1]["title"] == "Cổng thử nghiệm (sandbox)"
    assert sections[-1]["rows"][0]["unit_id"] == "tham-chieu"


def test_rollup_2025_sums_counts_and_keeps_paragraphs_per_former_province(run_dir):
    data = appendix(read_run(run_dir), rollup="2025")
    bo, dia = data["sections"]
    assert [r["unit_id"] for r in bo["rows"]] == ["bo-cong-an", "bo-tu-phap"]  # ministries unchanged
    assert [(r["tt"], r["unit_id"]) for r in dia["rows"]] == [("1", "ha-noi"), ("13", "lao-cai")]
    lao_cai = dia["rows"][1]
    assert lao_cai["name"] == "Tỉnh Lào Cai"
    assert (lao_cai["total"], lao_cai["provided"]) == (494 + 490, 120 + 41)
    assert lao_cai["rate"] == format_rate(161, 984) == "16,4%"
    assert [m["unit_id"] for m in lao_cai["members"]] == ["lao-cai", "yen-bai"]
    assert lao_cai["paragraph"][0] == "Tỉnh Lào Cai:" and "Tỉnh Yên Bái:" in lao_cai["paragraph"]
    assert lao_cai["criteria"]["redirect"] == "mot_phan"  # đạt in one former province, chưa đạt in the other
    ha_noi = dia["rows"][0]
    assert ha_noi["paragraph"][0].startswith("Có cung cấp")  # no heading for an unchanged province
    with pytest.raises(ValueError):
        appendix(read_run(run_dir), rollup="2030")


def test_paragraph_ends_with_the_codes_and_names_procedures_when_they_disagree():
    records = [rec("ha-noi", "2.000635", "redirect", "dat", "Đã điều hướng chính xác."),
               rec("ha-noi", "1.001731", "redirect", "chua_dat", "Chưa điều hướng chính xác"),
               rec("ha-noi", "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần."),
               rec("ha-noi", "1.001731", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần.")]
    lines = compose_paragraph(records)
    assert lines == ["Đã điều hướng chính xác (mã TTHC 2.000635).", "Đã có cơ chế đăng nhập 1 lần.",
                     "Tuy nhiên, chưa điều hướng chính xác (mã TTHC 1.001731).",
                     "(Đã kiểm tra điểm đối với mã TTHC 2.000635, 1.001731)"]


def test_json_summary_has_both_appendices(run_dir):
    data = json.loads(write_json_summary(run_dir).read_text(encoding="utf-8"))
    assert data["appendix"]["sections"][0]["rows"][0]["rate"] == "31,6%"
    assert data["appendix_2025"]["rollup"] == "2025"


def test_word_appendix(run_dir):
    docx = pytest.importorskip("docx")
    path = write_word_appendix(run_dir)  # what build_reports calls
    assert path == run_dir / "phu-luc.docx"
    document = docx.Document(str(path))
    assert any("DANH MỤC TỔNG HỢP KẾT QUẢ" in p.text for p in document.paragraphs)
    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][0] == "TT" and rows[1][2] == "Tổng số"
    assert rows[2] == ["I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ"] * 6  # a row merged across
    assert rows[3][:5] == ["1", "Bộ Công an", "79", "25", "31,6%"]
    assert rows[3][5].endswith("(Đã kiểm tra điểm đối với mã TTHC 2.000635)")
    assert rows[4][:5] == ["11", "Bộ Tư pháp", "—", "—", "—"]
    assert rows[5][0] == "II. KẾT QUẢ THỰC HIỆN CỦA ĐỊA PHƯƠNG"
    assert [r[1] for r in rows[6:]] == ["TP Hà Nội", "Tỉnh Lào Cai", "Tỉnh Yên Bái"]
    run = table.rows[3].cells[1].paragraphs[0].runs[0]
    assert run.font.name == "Times New Roman" and run.font.size.pt == 13
    rolled = docx.Document(str(write_word_appendix(run_dir, rollup="2025")))
    rows = [[cell.text for cell in row.cells] for row in rolled.tables[0].rows]
    assert ["13", "Tỉnh Lào Cai", "984", "161", "16,4%"] in [r[:5] for r in rows]
