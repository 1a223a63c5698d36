"""The report site used as an inspector uses it, in a real Chromium: filter the index to one
province, open its page, follow a heat-map cell to its evidence, switch to the 34 provinces in
force since 01/7/2025; and, on every page, no console error, no broken link or image, no
serious accessibility violation (axe-core), nothing wider than a phone.

The site is built from a synthetic run (engine/report/site/demo.py: two ministries, two
provinces merged in 2025 into one, one unchanged province, the sandbox's reference portal),
so these tests need no sandbox and take seconds."""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from engine.report import build_reports
from engine.report.site.demo import RUN_ID, write_demo_run

pytestmark = pytest.mark.e2e

OLDER_RUN = "20250601-080000"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """reports/runs/<two runs>, both built; returns the newer run's folder."""
    reports = tmp_path_factory.mktemp("site") / "reports"
    older = write_demo_run(reports / "runs" / OLDER_RUN)
    # The older run: a subset of the same results, so the history and the runs index have two runs.
    lines = (older / "results.jsonl").read_text(encoding="utf-8").splitlines()
    (older / "results.jsonl").write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    build_reports(older)
    run = write_demo_run(reports / "runs" / RUN_ID)
    build_reports(run)
    return run


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html")) + [site.parents[1] / "index.html"]


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    return errors


def visible_rows(page, selector: str) -> list[str]:
    return [row.get_attribute("data-row") for row in page.locator(selector).all() if row.is_visible()]


# ------------------------------------------------------------------ as a person uses it

def test_filter_to_one_province_and_open_its_page(site, page):
    errors = watch(page)
    page.goto((site / "index.html").as_uri())
    assert len(visible_rows(page, "table.heat tr[data-row]")) == 6
    page.get_by_label("Đơn vị", exact=True).select_option(label="Tỉnh Hà Giang")
    assert visible_rows(page, "table.heat tr[data-row]") == ["ha-giang"]
    assert visible_rows(page, "table.appendix tr[data-row]") == ["ha-giang"]
    assert not page.get_by_role("heading", name="I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ").is_visible()
    assert "1/6 đơn vị" in page.get_by_role("status").inner_text()
    # Its findings in the letter's words, its numbers the letter's way.
    row = page.locator("table.appendix tr[data-row='ha-giang']")
    assert "91,7%" in row.inner_text() and "Tuy nhiên, " in row.inner_text()
    row.get_by_role("link", name="Tỉnh Hà Giang").click()
    assert page.url.endswith("/don-vi/ha-giang.html")
    assert page.get_by_role("heading", level=1).inner_text() == "Tỉnh Hà Giang"
    assert "từ 01/7/2025 thuộc Tỉnh Tuyên Quang" in page.locator("main p.meta").first.inner_text()
    # Filters by criterion and verdict: who fails response time?
    page.go_back()
    page.get_by_role("button", name="Bỏ lọc").click()
    page.get_by_label("Tiêu chí", exact=True).select_option("response_time")
    page.get_by_label("Kết quả", exact=True).select_option("chua_dat")
    assert visible_rows(page, "table.heat tr[data-row]") == ["bo-y-te", "ha-giang"]
    assert page.locator("table.heat th.crit:visible").count() == 1
    assert errors == []


def test_a_heat_map_cell_leads_to_its_evidence(site, page):
    errors = watch(page)
    page.goto((site / "index.html").as_uri())
    cell = page.get_by_role("link", name="Tỉnh Hà Giang — Thời gian phản hồi: chưa đạt")
    assert cell.inner_text() == "✗"  # a symbol, not only a colour
    cell.click()
    assert page.url.endswith("/don-vi/ha-giang.html#tc-response_time")
    evidence = page.locator("#tc-response_time")
    assert evidence.is_visible()
    assert evidence.get_by_role("heading", level=3).inner_text().startswith("17. Thời gian phản hồi")
    chart = evidence.locator("svg.timing")
    assert "ngưỡng 15 giây" in chart.get_attribute("aria-label")
    assert chart.locator("rect.bar.over").count() == 1
    assert "17,2 giây — vượt ngưỡng" in evidence.inner_text()
    assert "Căn cứ: Nghị định 42/2022/NĐ-CP" in evidence.inner_text()
    # The validation inputs that slipped through, and the journey's screenshots side by side.
    validation = page.locator("#tc-input_validation table.validation")
    assert "2 giá trị không hợp lệ lọt qua" in validation.inner_text()
    assert validation.locator("tr.slipped").count() == 2
    shots = page.locator("#man-hinh + .shots figure")
    assert [f.locator("figcaption").inner_text() for f in shots.all()] == ["Máy tính", "Điện thoại (iPhone 13)"]
    boxes = [f.bounding_box() for f in shots.all()]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[1]["x"] > boxes[0]["x"]  # side by side
    assert page.locator("#tc-redirect ol.urls li").count() == 3
    assert errors == []


def test_switch_to_the_34_provinces(site, page):
    errors = watch(page)
    page.goto((site / "index.html").as_uri())
    page.get_by_role("radio", name="34 tỉnh, thành phố (từ 01/7/2025)").check()
    rows = visible_rows(page, "table.heat tr[data-row]")
    assert rows == ["bo-cong-an", "bo-y-te", "ha-noi", "tuyen-quang", "tham-chieu"]
    merged = page.locator("[data-view='34'] table.appendix tr[data-row='tuyen-quang']")
    text = merged.inner_text()
    assert "Hợp nhất từ: Tỉnh Tuyên Quang, Tỉnh Hà Giang" in text
    assert "238" in text and "228" in text and "95,8%" in text  # summed, rate recomputed
    assert "Tỉnh Hà Giang:" in text and "Tỉnh Tuyên Quang:" in text  # each former province's paragraph
    # The rolled-up verdict: the worse of the two, linked to the evidence of the one that drew it.
    cell = page.get_by_role("link", name="Tỉnh Tuyên Quang — Thời gian phản hồi: một phần")
    assert cell.get_attribute("href") == "don-vi/ha-giang.html#tc-response_time"
    # The unit filter offers the 34's units now.
    page.get_by_label("Đơn vị", exact=True).select_option(label="Tỉnh Tuyên Quang")
    assert visible_rows(page, "table.heat tr[data-row]") == ["tuyen-quang"]
    assert page.url.endswith("#xem=34&don-vi=tuyen-quang")
    page.locator("[data-view='34'] table.heat").get_by_role("link", name="Tỉnh Tuyên Quang", exact=True).click()
    assert page.url.endswith("/don-vi-2025/tuyen-quang.html")
    assert page.get_by_role("link", name="Tỉnh Hà Giang").count() >= 1
    # A link to the filtered view opens it as it was.
    page.goto((site / "index.html").as_uri() + "#xem=34&don-vi=tuyen-quang")
    assert page.get_by_role("radio", name="34 tỉnh, thành phố (từ 01/7/2025)").is_checked()
    assert visible_rows(page, "table.heat tr[data-row]") == ["tuyen-quang"]
    assert errors == []


def test_criterion_page_worst_first_with_its_legal_basis(site, page):
    page.goto((site / "tieu-chi" / "response_time.html").as_uri())
    assert "Căn cứ pháp lý: Nghị định 42/2022/NĐ-CP" in page.locator("p.basis").inner_text()
    outcomes = [row.get_attribute("class") for row in page.locator("table.by-unit tbody tr").all()]
    assert outcomes == ["chua_dat", "chua_dat", "dat", "dat", "dat"]
    assert "Tỉnh Tuyên Quang" in page.locator("table.by-unit").inner_text()  # Hà Giang's 2025 province
    page.get_by_role("link", name="Bằng chứng của Bộ Y tế").click()
    assert page.url.endswith("/don-vi/bo-y-te.html#tc-response_time")


def test_runs_index_newest_first(site, page):
    page.goto((site.parents[1] / "index.html").as_uri())
    links = page.locator("table a")
    assert [link.inner_text() for link in links.all()] == ["05/06/2025 08:00:00", "01/06/2025 08:00:00"]
    links.first.click()
    assert page.url.endswith(f"/runs/{RUN_ID}/index.html")


# ------------------------------------------------------------------ every page

def _targets(page) -> list[tuple[str, str]]:
    return page.evaluate("""() => [...document.querySelectorAll('[href],[src]')].map(e =>
        [e.tagName, e.tagName === 'IMG' || e.tagName === 'SCRIPT' ? e.src : e.href])""")


def test_no_console_errors_broken_links_or_images(site, page):
    errors = watch(page)
    reached = set()
    queue = [site.parents[1] / "index.html"]
    while queue:  # from the runs index, every page a reader can reach
        path = queue.pop()
        if path in reached:
            continue
        reached.add(path)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        for tag, url in _targets(page):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                continue
            if parsed.scheme in ("http", "https"):
                # Only the journey's addresses on the (test) portals, never a resource from elsewhere.
                assert tag == "A" and parsed.hostname.startswith("127.0.0."), (path, url)
                continue
            assert parsed.scheme == "file", (path, url)
            target = Path(unquote(parsed.path))
            assert target.is_file(), f"{path}: liên kết hỏng {url}"
            if parsed.fragment and "=" not in parsed.fragment:
                assert f'id="{parsed.fragment}"' in target.read_text(encoding="utf-8"), f"{path}: {url}"
            if target.suffix == ".html" and site.parents[1] in target.parents:
                queue.append(target)
        broken = page.evaluate("""() => [...document.images].filter(i => {
            i.loading = 'eager'; return i.complete && i.naturalWidth === 0; }).map(i => i.src)""")
        assert broken == [], path
    assert reached == set(pages_of(site)) | set((site.parent / OLDER_RUN).rglob("*.html"))
    assert errors == []


def test_accessibility_no_serious_violations(site, page):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    found = {}
    # One page of each kind (they share their templates): the index in both views, a unit, a
    # rolled-up 2025 province, a criterion, the runs index.
    kinds = [site / "index.html", site / "don-vi" / "ha-giang.html", site / "don-vi-2025" / "tuyen-quang.html",
             site / "tieu-chi" / "response_time.html", site.parents[1] / "index.html"]
    for path in kinds:
        page.goto(path.as_uri())
        views = ["63", "34"] if path == site / "index.html" else [None]
        for view in views:
            if view:
                page.locator(f"input[name='xem'][value='{view}']").check()
            results = axe.run(page)
            serious = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in results.response["violations"]
                       if v["impact"] in ("serious", "critical")]
            if serious:
                found[f"{path.relative_to(site.parents[1])} {view or ''}"] = serious
    assert found == {}


def test_phone_view_has_no_horizontal_overflow(site, browser):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        errors = watch(page)
        wide = {}
        for path in pages_of(site):
            page.goto(path.as_uri())
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            for view in (["63", "34"] if path == site / "index.html" else [None]):
                if view:
                    page.locator(f"input[name='xem'][value='{view}']").check()
                scroll_width, client_width = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                if scroll_width > client_width:
                    wide[f"{path.name} {view or ''}"] = scroll_width
        assert wide == {}
        # The heat map scrolls inside its own box, not the page.
        page.goto((site / "index.html").as_uri())
        box = page.locator("[data-view='63'] .scroll").first
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")
        assert errors == []
    finally:
        context.close()


@pytest.fixture
def static_server(site):
    """The reports folder served by a plain static web server (as a team would publish it)."""
    handler = functools.partial(_QuietHandler, directory=str(site.parents[1]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_works_from_a_static_web_server(static_server, page):
    errors = watch(page)
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{static_server}/index.html")
    page.get_by_role("link", name="05/06/2025 08:00:00").click()
    page.get_by_role("radio", name="34 tỉnh, thành phố (từ 01/7/2025)").check()
    assert "tuyen-quang" in visible_rows(page, "table.heat tr[data-row]")
    page.get_by_role("link", name="TP Hà Nội — Tái sử dụng dữ liệu, tự động điền từ CSDLQG về dân cư: một phần").click()
    assert page.locator("#tc-autofill").is_visible()
    page.locator(".shots img").first.scroll_into_view_if_needed()
    assert page.evaluate("[...document.images].every(i => !i.complete || i.naturalWidth > 0)")
    assert failed == [] and errors == []


def test_the_site_moves_as_one_folder(site, tmp_path, page):
    """Zipped, mailed, unpacked elsewhere: every link is relative to the run folder."""
    moved = tmp_path / "elsewhere"
    shutil.copytree(site, moved)
    errors = watch(page)
    page.goto((moved / "don-vi" / "bo-cong-an.html").as_uri())
    assert page.evaluate("getComputedStyle(document.querySelector('header.site')).display") == "flex"
    page.get_by_role("link", name="Tổng hợp", exact=True).click()
    assert page.url == (moved / "index.html").as_uri()
    assert not re.search(r"file://|/tmp/", (moved / "index.html").read_text(encoding="utf-8"))
    assert errors == []


def test_readme_screenshots(site, tmp_path, browser):
    from engine.report.site.screenshots import write_screenshots
    written = write_screenshots(site, tmp_path / "docs", "ha-giang", browser=browser)
    assert [p.name for p in written] == ["index.png", "unit.png"]
    for name in ("index.png", "unit.png"):
        assert (tmp_path / "docs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
