"""The README's pictures of the report, taken with the project's own browser set-up:

    python -m engine.report.site.screenshots reports/latest docs/      # from a run
    python -m engine.report.site.screenshots --demo docs/               # from the synthetic run

writes ``docs/index.png`` (the index: summary, filters, the heat map) and ``docs/unit.png``
(the page of the unit with the most findings: its paragraph, its verdicts, the computer and
phone screenshots). The run's site is (re)built first from its results.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from engine.report.site.model import unit_page

VIEWPORT = {"width": 1280, "height": 1000}


def _unit_with_most_findings(run_dir: Path) -> str | None:
    from engine.report.paragraph import read_run
    from engine.verdict import CHUA_DAT, MOT_PHAN
    units = [u for u in read_run(run_dir).units if u.section in ("bo", "dia_phuong")] or read_run(run_dir).units
    if not units:
        return None
    return max(units, key=lambda u: sum(o in (CHUA_DAT, MOT_PHAN) for o in u.outcomes.values())).id


# What the demo's evidence screenshots show instead of plain colour: a form as a portal draws it
# (masked values, as the real screenshots mask them).
DEMO_FORM = """<!doctype html><html lang="vi"><meta charset="utf-8"><body style="margin:0;font:15px system-ui,sans-serif">
<div style="background:#b71c1c;color:#fff;padding:10px 14px;font-weight:600">Hệ thống thông tin giải quyết TTHC</div>
<div style="padding:12px 14px"><h3 style="margin:0 0 8px">Nộp hồ sơ trực tuyến — Bước 1. Thông tin người yêu cầu</h3>
<label>Họ và tên<br><input value="[đã che]" style="width:90%;padding:4px"></label><br><br>
<label>Số định danh cá nhân<br><input value="*********890" style="width:90%;padding:4px"></label><br><br>
<label>Số điện thoại<br><input value="*******678" style="width:90%;padding:4px"></label><br><br>
<button style="background:#b71c1c;color:#fff;border:0;padding:6px 14px">Tiếp tục</button></div></body></html>"""


def _draw_demo_screens(run_dir: Path, browser) -> None:
    for shot in sorted(run_dir.glob("artifacts/*/*.png")):
        phone = shot.name.startswith("dien-thoai")
        page = browser.new_page(viewport={"width": 390, "height": 700} if phone else {"width": 1000, "height": 560})
        page.set_content(DEMO_FORM)
        page.screenshot(path=str(shot))
        page.close()


def write_screenshots(run_dir: Path, out_dir: Path, unit_id: str | None = None, demo: bool = False,
                      browser=None) -> list[Path]:
    """Build the run's site, then photograph its index and one unit's page into ``out_dir``.
    ``browser``: a Playwright browser to use (e.g. a test's); else one is launched here."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        from engine.browser import launch_overrides
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(**launch_overrides())
            try:
                return write_screenshots(run_dir, out_dir, unit_id, demo, launched)
            finally:
                launched.close()
    from engine.report import build_reports
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if demo:
        _draw_demo_screens(run_dir, browser)
    build_reports(run_dir)
    unit_id = unit_id or _unit_with_most_findings(run_dir)
    written = []
    page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
    try:
        page.goto((run_dir / "index.html").resolve().as_uri())
        page.wait_for_load_state("load")
        # The summary, the controls and the heat map: not the title's screen.
        page.evaluate("window.scrollTo(0, document.querySelector('#tong-hop').offsetTop - 8)")
        written.append(out_dir / "index.png")
        page.screenshot(path=str(written[-1]))
        if unit_id:
            page.goto((run_dir / unit_page(unit_id)).resolve().as_uri())
            page.wait_for_load_state("load")
            page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager';"
                          " return i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; }); }))")
            written.append(out_dir / "unit.png")
            page.screenshot(path=str(written[-1]))
    finally:
        page.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.report.site.screenshots",
                                     description="Chụp ảnh báo cáo (trang tổng hợp, trang một đơn vị) cho README")
    parser.add_argument("run_dir", nargs="?", help="thư mục lượt chạy (có results.jsonl)")
    parser.add_argument("out_dir", help="thư mục ghi index.png và unit.png, ví dụ docs/")
    parser.add_argument("--demo", action="store_true", help="dùng lượt chạy mẫu (dữ liệu tổng hợp) thay cho run_dir")
    parser.add_argument("--unit", help="mã đơn vị cho unit.png (mặc định: đơn vị có nhiều tồn tại nhất)")
    args = parser.parse_args(argv)
    if args.demo == bool(args.run_dir):
        parser.error("cần đúng một trong hai: run_dir hoặc --demo")
    with tempfile.TemporaryDirectory() as scratch:
        if args.demo:
            from engine.report.site.demo import RUN_ID, write_demo_run
            run_dir = write_demo_run(Path(scratch) / "reports" / "runs" / RUN_ID)
        else:
            run_dir = Path(args.run_dir)
            if not (run_dir / "results.jsonl").exists():
                print(f"{run_dir}: không có results.jsonl", file=sys.stderr)
                return 2
        for path in write_screenshots(run_dir, Path(args.out_dir), args.unit, demo=args.demo):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
