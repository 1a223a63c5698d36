"""Report writers: the letter's paragraph, the HTML page, the JSON summary, the terminal line."""
import base64
import json
import re
from html import escape
from pathlib import Path

import pytest

from engine.report import build_reports, compose_paragraph, summary_line
from engine.report.paragraph import read_run
from engine.results import append_result

RUN_ID = "20261204-153000"
BO = {"id": "bo-thu-nghiem", "name": "Bộ Thử nghiệm", "section": "bo"}
TINH = {"id": "tinh-thu", "name": "Tỉnh Thử", "section": "dia_phuong"}
SANDBOX = {"id": "tham-chieu", "name": "Cổng tham chiếu", "section": "sandbox"}

# A 1x1 PNG, so the page shows a real screenshot and the browser logs no missing file.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def rec(unit, code, criterion, outcome, sentence, reason=None, evidence=None, dry_run=False):
    return {"run_id": RUN_ID, "item": f"{code}[{unit['id']}]::{criterion}", "code": code,
            "procedure": "Cấp bản sao Trích lục hộ tịch" if code == "2.000635" else "Đăng ký khai sinh",
            "target": unit["id"], "unit": unit, "criterion": criterion, "outcome": outcome,
            "sentence": sentence, "reason": reason, "evidence": evidence or {}, "duration_s": 1.25,
            "finished_at": "2026-12-04T15:31:02+07:00", "dry_run": dry_run}


RECORDS = [
    # Out of the letter's order on purpose: the paragraph must put them back in order.
    rec(BO, "2.000635", "input_validation", "chua_dat",
        "Chưa kiểm tra độ dài SĐT và tính hợp lệ của email (đã nhập 0912345678 và CCCD 001234567890).",
        evidence={"rejected": [], "accepted": ["12", "abc@"], "url": "http://127.0.0.3:8003/dich-vu/2.000635"}),
    rec(BO, "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần", evidence={"elapsed_s": 0.8}),
    rec(BO, "2.000635", "redirect", "dat",
        "Đã điều hướng chính xác về đúng DVCTT trên HTTT giải quyết TTHC của Bộ.",
        evidence={"final_url": "http://127.0.0.3:8003/dich-vu/2.000635", "screenshot": "shots/bo.png",
                  "attempts": 5, "successes": 5}),
    rec(BO, "2.000635", "esign", "mot_phan", "Đã có chức năng ký số nhưng chưa hoạt động."),
    rec(BO, "2.000635", "draft_persistence", "khong_kiem_tra_duoc", "Không kiểm tra được: hết thời gian chờ",
        reason="cổng không phản hồi sau 30 giây"),
    rec(BO, "2.000635", "guidance", "khong_kiem_tra_duoc", "Không kiểm tra được: hết thời gian chờ",
        reason="cổng không phản hồi sau 30 giây"),
    rec(BO, "1.001731", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần"),
    rec(BO, "1.001731", "esign", "khong_ap_dung", "Thủ tục không có thành phần cần ký số."),
    rec(BO, "1.001731", "mobile_layout", "chua_dat", "Giao diện bị vỡ cấu trúc trên điện thoại di động."),
    rec(TINH, "2.000635", "redirect", "chua_dat", "Chưa thực hiện điều hướng chính xác.", dry_run=True),
    rec(TINH, "2.000635", "autofill", "chua_dat", "Chưa tái sử dụng dữ liệu từ CSDLQG về dân cư.", dry_run=True),
    rec(TINH, "2.000635", "esign", "khong_kiem_tra_duoc", "Không kiểm tra được",
        reason="không đến được biểu mẫu", dry_run=True),
    rec(SANDBOX, "2.000635", "redirect", "dat", "Đã điều hướng chính xác <ngay> về dịch vụ & biểu mẫu."),
    rec(SANDBOX, "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần."),
    rec(SANDBOX, "2.000635", "esign", "khong_ap_dung", "Không áp dụng."),
]


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "reports" / "runs" / RUN_ID
    for record in RECORDS:
        append_result(run, record)
    (run / "shots").mkdir()
    (run / "shots" / "bo.png").write_bytes(PNG)
    return run


def test_paragraph_strengths_then_however_then_not_checked_then_codes():
    lines = compose_paragraph([r for r in RECORDS if r["unit"] is BO])
    assert lines == [
        "Đã điều hướng chính xác về đúng DVCTT trên HTTT giải quyết TTHC của Bộ.",
        "Đã có cơ chế đăng nhập 1 lần.",  # said once for both procedures, full stop added
        "Tuy nhiên, đã có chức năng ký số nhưng chưa hoạt động.",
        "Chưa kiểm tra độ dài SĐT và tính hợp lệ của email (đã nhập 0912345678 và CCCD 001234567890).",
        "Giao diện bị vỡ cấu trúc trên điện thoại di động.",
        "Không kiểm tra được: ghi nhớ dữ liệu tạm thời, dẫn dắt, gợi ý theo đối tượng "
        "(cổng không phản hồi sau 30 giây).",
        "(Đã kiểm tra điểm đối với mã TTHC 2.000635, 1.001731)",
    ]


def test_paragraph_without_strengths_has_no_however_and_keeps_acronyms():
    lines = compose_paragraph([r for r in RECORDS if r["unit"] is TINH])
    assert lines[0] == "Chưa thực hiện điều hướng chính xác."
    assert not any(line.startswith("Tuy nhiên") for line in lines)
    assert lines[-2] == "Không kiểm tra được: ký số thành phần hồ sơ (không đến được biểu mẫu)."
    first_weak = [rec(BO, "2.000635", "sso", "dat", "Đã có SSO."),
                  rec(BO, "2.000635", "autofill", "chua_dat", "HTTT giải quyết TTHC chưa tự động điền."),
                  rec(BO, "2.000635", "esign", "chua_dat", "Bộ Công an chưa có ký số.")]
    assert compose_paragraph(first_weak)[1] == "Tuy nhiên, HTTT giải quyết TTHC chưa tự động điền."
    assert compose_paragraph([first_weak[0], first_weak[2]])[1] == "Tuy nhiên, Bộ Công an chưa có ký số."


def test_outcomes_aggregate_per_criterion(run_dir):
    view = read_run(run_dir)
    assert [u.section for u in view.units] == ["bo", "dia_phuong", "sandbox"]
    bo = view.units[0]
    assert bo.codes == ["2.000635", "1.001731"]
    assert bo.outcomes["sso"] == "dat"
    assert bo.outcomes["esign"] == "mot_phan"  # một phần on one procedure, không áp dụng on the other
    assert list(bo.outcomes) == ["redirect", "sso", "esign", "input_validation", "draft_persistence",
                                 "guidance", "mobile_layout"]  # the letter's order


def test_html_report(run_dir):
    paths = build_reports(run_dir)
    page = paths["html"].read_text(encoding="utf-8")
    assert paths["html"] == run_dir / "index.html"
    assert '<html lang="vi">' in page and 'name="viewport"' in page
    assert "Kết quả kiểm tra điểm chất lượng cung cấp dịch vụ công trực tuyến toàn trình" in page
    assert "04/12/2026 15:30:00" in page  # the run's time, dd/mm/yyyy
    sections = ["I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ", "II. KẾT QUẢ THỰC HIỆN CỦA ĐỊA PHƯƠNG",
                "Cổng thử nghiệm"]
    assert [page.index(s) for s in sections] == sorted(page.index(s) for s in sections)
    for unit in read_run(run_dir).units:
        for line in unit.lines:
            assert escape(line) in page
        # Each unit has a page of its own; the index and the heat map's cells link to it.
        assert (run_dir / "don-vi" / f"{unit.id}.html").is_file()
        assert f'href="don-vi/{unit.id}.html"' in page and f'href="don-vi/{unit.id}.html#tc-redirect"' in page
    assert "(Đã kiểm tra điểm đối với mã TTHC 2.000635, 1.001731)" in page
    legend = page[page.index('class="legend"'):]
    legend = legend[:legend.index("</ul>")]
    for label in ("đạt", "một phần", "chưa đạt", "không kiểm tra được", "không áp dụng"):
        assert f"{label}</span>" in legend
    # Escaped, never raw markup from a sentence.
    assert "&lt;ngay&gt;" in page and "<ngay>" not in page and "dịch vụ &amp; biểu mẫu" in page
    assert "Chạy không nộp thật" in page
    # Evidence, on the unit's page: links, timings, the screenshot as a relative image.
    unit_page = (run_dir / "don-vi" / "bo-thu-nghiem.html").read_text(encoding="utf-8")
    assert '<a href="http://127.0.0.3:8003/dich-vu/2.000635"' in unit_page
    assert "0,8 giây" in unit_page
    assert '<img src="../shots/bo.png"' in unit_page
    assert 'id="tc-redirect"' in unit_page and 'id="tc-mobile_layout"' in unit_page
    # A page per criterion, with its legal basis.
    criterion_page = (run_dir / "tieu-chi" / "identity_account.html")
    assert not criterion_page.exists()  # not checked in this run: no page
    sso = (run_dir / "tieu-chi" / "sso.html").read_text(encoding="utf-8")
    assert "Nghị định 69/2024/NĐ-CP" in sso
    # Self-contained: the site's own style and script, images from the run folder, links only
    # to the test portals.
    for path in run_dir.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert re.findall(r'<script[^>]*src="([^"]+)"', text) in ([], ["assets/site.js"], ["../assets/site.js"])
        assert not re.search(r'src="(?!(\.\./)?(assets/|shots/))', text), path
        hosts = set(re.findall(r"https?://([^/:\"'\s]+)", text))
        assert hosts <= {"127.0.0.3"}, (path, hosts)
    # The runs kept beside this one: reports/index.html.
    runs = (run_dir.parents[1] / "index.html").read_text(encoding="utf-8")
    assert f'href="runs/{RUN_ID}/index.html"' in runs and "04/12/2026 15:30" in runs


def test_personal_data_masked_in_every_output(run_dir):
    paths = build_reports(run_dir)
    for path in paths.values():
        text = path.read_text(encoding="utf-8")
        assert "0912345678" not in text and "001234567890" not in text
        assert "*******678" in text and "*********890" in text


def test_known_personal_strings_masked(run_dir):
    append_result(run_dir, rec(SANDBOX, "2.000635", "privacy", "chua_dat",
                               "Tra cứu không đăng nhập hiển thị tên Nguyễn Văn An."))
    page = build_reports(run_dir, known=["Nguyễn Văn An"])["html"].read_text(encoding="utf-8")
    assert "Nguyễn Văn An" not in page and "hiển thị tên [đã che]." in page


def test_json_summary(run_dir):
    data = json.loads(build_reports(run_dir)["json"].read_text(encoding="utf-8"))
    assert data["run_id"] == RUN_ID
    assert data["totals"] == {"dat": 5, "mot_phan": 1, "chua_dat": 4, "khong_kiem_tra_duoc": 3,
                              "khong_ap_dung": 2}
    bo = data["units"][0]
    assert (bo["id"], bo["name"], bo["section"], bo["codes"]) == (
        "bo-thu-nghiem", "Bộ Thử nghiệm", "bo", ["2.000635", "1.001731"])
    assert bo["paragraph"][2].startswith("Tuy nhiên, ")
    assert bo["criteria"]["mobile_layout"] == "chua_dat"


def test_summary_line(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir.parents[2])
    assert summary_line(run_dir) == (
        "3 đơn vị, 8 tiêu chí: 5 đạt, 1 một phần, 4 chưa đạt, 3 không kiểm tra được, 2 không áp dụng"
        f" — báo cáo: reports/runs/{RUN_ID}/index.html")


def test_empty_run(tmp_path):
    paths = build_reports(tmp_path)
    assert "chưa có kết quả" in paths["html"].read_text(encoding="utf-8")
    assert summary_line(tmp_path).startswith("Chưa có kết quả nào")


@pytest.mark.e2e
def test_html_fits_a_phone_without_errors(run_dir, browser):
    build_reports(run_dir)
    errors = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        for path in (run_dir / "index.html", run_dir / "don-vi" / "bo-thu-nghiem.html"):
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            # Evidence too (long URLs, screenshots) must fit once a reader opens it.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            scroll_width, client_width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll_width <= client_width, path
        shot = page.locator(".shot img").first
        shot.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=shot.element_handle())
    finally:
        context.close()
    assert errors == []
