"""The run's report as one self-contained HTML page (``index.html`` in the run folder).

Self-contained because it is mailed, attached to CI jobs and opened from disk on phones:
inline CSS, no script, no font or CDN; the only outside files are the run's own screenshots,
referenced relative to the run folder so the folder can be moved or zipped as a whole.
Every text is escaped and every record masked (again) before it is rendered.
"""
from __future__ import annotations

import html
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from checks.registry import CRITERIA_BY_ID
from engine.report.paragraph import (NOT_CHECKED_PREFIX, RunView, UnitReport, criterion_title,
                                     read_run)
from engine.verdict import OUTCOME_LABELS, OUTCOMES

TITLE = "Kết quả kiểm tra điểm chất lượng cung cấp dịch vụ công trực tuyến toàn trình"

SECTION_TITLES = {
    "bo": "I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ",
    "dia_phuong": "II. KẾT QUẢ THỰC HIỆN CỦA ĐỊA PHƯƠNG",
    "sandbox": "Cổng thử nghiệm (sandbox)",
}
OTHER_SECTION_TITLE = "Đơn vị khác"
SECTION_SHORT = {"bo": "Bộ, cơ quan ngang bộ", "dia_phuong": "Địa phương", "sandbox": "Cổng thử nghiệm (sandbox)"}

# A symbol next to every label, so the badge reads without its colour (and in print).
OUTCOME_SYMBOLS = {"dat": "✓", "mot_phan": "◐", "chua_dat": "✗", "khong_kiem_tra_duoc": "?", "khong_ap_dung": "–"}

# Vietnamese names for the evidence keys the checks commonly write; others are shown as-is.
EVIDENCE_LABELS = {
    "url": "Địa chỉ", "start_url": "Địa chỉ bắt đầu", "final_url": "Địa chỉ cuối cùng",
    "expected_url": "Địa chỉ mong đợi", "host": "Máy chủ", "hosts": "Máy chủ",
    "screenshot": "Ảnh chụp màn hình", "screenshots": "Ảnh chụp màn hình",
    "message": "Thông báo", "messages": "Thông báo", "error": "Lỗi", "errors": "Lỗi",
    "values": "Giá trị", "fields": "Trường thông tin", "attempts": "Số lần thử",
    "successes": "Số lần thành công", "rate": "Tỷ lệ", "threshold_s": "Ngưỡng",
    "elapsed_s": "Thời gian", "max_s": "Lâu nhất", "median_s": "Trung vị", "timings": "Thời gian",
    "status": "Mã trạng thái", "text": "Nội dung", "title": "Tiêu đề", "viewport": "Khung hình",
}

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:#1b1f24;background:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;line-height:1.3}h2{font-size:1.2rem;margin-top:2rem;border-bottom:2px solid #d0d7de}
h3{font-size:1.05rem;margin-top:1.5rem}h4{font-size:1rem;margin:1rem 0 .25rem}
p,li,dd,td,th,a{overflow-wrap:anywhere}
a{color:#0a58ca}
.meta{color:#57606a}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:.4rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}
.appendix td p{margin:0 0 .5rem}.appendix td p:last-child{margin-bottom:0}
.appendix .tt{width:2.5rem;text-align:center}.appendix .unit{width:9rem;font-weight:600}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){
 .appendix thead{display:none}.appendix,.appendix tbody,.appendix tr{display:block}
 .appendix tr{border:1px solid #d0d7de;margin-bottom:.75rem}
 .appendix td{display:block;border:none}
 .appendix td.tt,.appendix td.unit{display:inline-block;width:auto;padding-bottom:0}
}
.not-checked{color:#57606a}
.heat th.crit{font-weight:normal;font-size:.8rem;min-width:6.5rem}
.heat th.row{position:sticky;left:0;background:#fff;min-width:8rem;font-weight:600}
.heat td{text-align:center;position:relative}
.heat .badge{white-space:normal}
.badge{display:inline-block;padding:.1rem .45rem;border-radius:.8rem;font-size:.85rem;white-space:nowrap;text-decoration:none;border:1px solid}
.dat{background:#dafbe1;color:#116329;border-color:#4ac26b}
.mot_phan{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.chua_dat{background:#ffebe9;color:#a40e26;border-color:#ff8182}
.khong_kiem_tra_duoc{background:#ddf4ff;color:#0a3069;border-color:#54aeff}
.khong_ap_dung{background:#f6f8fa;color:#57606a;border-color:#d0d7de}
.none{color:#8c959f}
.totals{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}
.totals li{border:1px solid #d0d7de;border-radius:.5rem;padding:.4rem .7rem}
.legend{display:flex;flex-wrap:wrap;gap:.5rem 1rem;padding:0;list-style:none}
.unit-detail{border-top:1px solid #d0d7de;margin-top:1.5rem}
.criterion{margin:.5rem 0 1rem;padding-left:.75rem;border-left:3px solid #d0d7de}
.basis{color:#57606a;font-size:.85rem;margin:.1rem 0}
.record{margin:.5rem 0}
.record .proc{font-size:.9rem;color:#57606a;margin:0}
.record .meta{font-size:.85rem;margin:.1rem 0}
dl.evidence{margin:.25rem 0;font-size:.9rem}
dl.evidence dt{font-weight:600;color:#57606a}
dl.evidence dd{margin:0 0 .3rem 1rem}
dl.evidence ul{margin:0;padding-left:1.2rem}
.raw{white-space:pre-wrap}
figure{margin:.5rem 0}
img.shot{max-width:100%;height:auto;border:1px solid #d0d7de}
""".strip()


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _anchor(*parts: str) -> str:
    """An id safe in HTML and URLs, derived from unit and criterion ids."""
    return "u-" + "-".join(re.sub(r"[^A-Za-z0-9_-]+", "_", p) for p in parts)


def format_datetime(value: str | None) -> str:
    """An ISO timestamp or a run id (20261204-153000) as dd/mm/yyyy HH:MM:SS; the raw value
    when it is neither."""
    if not value:
        return ""
    for parse in (datetime.fromisoformat, lambda v: datetime.strptime(v, "%Y%m%d-%H%M%S")):
        try:
            return parse(value).strftime("%d/%m/%Y %H:%M:%S")
        except ValueError:
            continue
    return value


def _number(value: float) -> str:
    # Vietnamese writes the decimal comma, as the letter's "31,6%".
    text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text.replace(".", ",")


def badge(outcome: str, href: str | None = None) -> str:
    label = f"{OUTCOME_SYMBOLS.get(outcome, '')} {OUTCOME_LABELS.get(outcome, outcome)}".strip()
    if href:
        return f'<a class="badge {esc(outcome)}" href="{esc(href)}">{esc(label)}</a>'
    return f'<span class="badge {esc(outcome)}">{esc(label)}</span>'


# ---------------------------------------------------------------- evidence

def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _screenshot_src(value: str, run_dir: Path) -> str | None:
    """The relative src of a screenshot inside the run folder, or None when the path points
    elsewhere or the file is missing (a broken image helps no reader)."""
    path = Path(value)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(run_dir.resolve())
        except ValueError:
            return None
    if ".." in path.parts or ":" in value.split("/")[0]:
        return None
    if not (run_dir / path).is_file():
        return None
    return path.as_posix()


def _render_scalar(key: str, value: Any, run_dir: Path) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (int, float)):
        if key.endswith("_s") or key.endswith("seconds"):
            return f"{_number(value)} giây"
        if key.endswith("_ms"):
            return f"{_number(value)} ms"
        return _number(value)
    text = str(value)
    if "screenshot" in key:
        src = _screenshot_src(text, run_dir)
        if src:
            return (f'<figure><a href="{esc(src)}"><img class="shot" src="{esc(src)}" '
                    f'alt="Ảnh chụp màn hình {esc(src)}" loading="lazy"></a></figure>')
        return f"{esc(text)} (không tìm thấy ảnh trong thư mục lượt chạy)"
    if _is_url(text):
        return f'<a href="{esc(text)}" rel="noreferrer noopener">{esc(text)}</a>'
    return f'<span class="raw">{esc(text)}</span>'


def render_evidence(value: Any, run_dir: Path, key: str = "") -> str:
    """Evidence as nested definition lists; URLs as links, timings in seconds, screenshots
    as images."""
    if isinstance(value, dict):
        if not value:
            return "—"
        items = "".join(
            f"<dt>{esc(EVIDENCE_LABELS.get(k, str(k).replace('_', ' ')))}</dt>"
            f"<dd>{render_evidence(v, run_dir, str(k))}</dd>"
            for k, v in value.items())
        return f'<dl class="evidence">{items}</dl>'
    if isinstance(value, (list, tuple)):
        if not value:
            return "—"
        return "<ul>" + "".join(f"<li>{render_evidence(v, run_dir, key)}</li>" for v in value) + "</ul>"
    return _render_scalar(key, value, run_dir)


# ---------------------------------------------------------------- page parts

def _paragraph_html(lines: Iterable[str]) -> str:
    out = []
    for line in lines:
        css = ' class="not-checked"' if line.startswith(NOT_CHECKED_PREFIX) else ""
        out.append(f"<p{css}>{esc(line)}</p>")
    return "".join(out)


def _header(view: RunView) -> str:
    totals = view.totals()
    finished = [r.get("finished_at") for r in view.records if r.get("finished_at")]
    started = format_datetime(view.run_id) if re.fullmatch(r"\d{8}-\d{6}", view.run_id) else ""
    started = started or format_datetime(min(finished) if finished else "")
    parts = [f"<h1>{esc(TITLE)}</h1>",
             f'<p class="meta">Lượt chạy: <strong>{esc(view.run_id)}</strong>'
             + (f" — bắt đầu {esc(started)}" if started else "")
             + (f" — kết quả cuối lúc {esc(format_datetime(max(finished)))}" if finished else "")
             + "</p>"]
    if any(r.get("dry_run") for r in view.records):
        parts.append("<p><strong>Chạy không nộp thật:</strong> trên các hệ thống không phải môi trường "
                     "thử nghiệm, yêu cầu nộp hồ sơ cuối cùng đã bị chặn lại, không gửi đi.</p>")
    items = [f"<li><strong>{len(view.units)}</strong> đơn vị</li>",
             f"<li><strong>{len(view.criteria)}</strong> tiêu chí đã kiểm tra</li>"]
    items += [f"<li>{badge(o)} <strong>{totals.get(o, 0)}</strong></li>" for o in OUTCOMES]
    parts.append('<h2>Tổng hợp</h2><ul class="totals">' + "".join(items) + "</ul>")
    parts.append('<p class="meta">Mỗi kết quả ứng với một tiêu chí của một thủ tục hành chính '
                 "tại một đơn vị.</p>")
    return "".join(parts)


def _sections(view: RunView) -> list[tuple[str, list[UnitReport]]]:
    grouped: dict[str, list[UnitReport]] = {}
    for unit in view.units:  # already in section order
        title = SECTION_TITLES.get(unit.section, OTHER_SECTION_TITLE)
        grouped.setdefault(title, []).append(unit)
    return list(grouped.items())


def _appendix(view: RunView) -> str:
    finished = [r.get("finished_at") for r in view.records if r.get("finished_at")]
    until = format_datetime(max(finished))[:10] if finished else ""
    parts = ["<h2>Phụ lục: kết quả đánh giá theo đơn vị</h2>",
             "<p>Căn cứ kết quả kiểm tra điểm chất lượng dịch vụ công trực tuyến được bộ, ngành, địa "
             "phương tích hợp trên Cổng Dịch vụ công quốc gia"
             + (f", tính đến ngày {esc(until)}" if until else "")
             + ", kết quả thực hiện của từng đơn vị cụ thể như sau:</p>"]
    for title, units in _sections(view):
        rows = "".join(
            f'<tr><td class="tt">{n}</td>'
            f'<td class="unit"><a href="#{esc(_anchor(u.id))}">{esc(u.name)}</a></td>'
            f"<td>{_paragraph_html(u.lines)}</td></tr>"
            for n, u in enumerate(units, start=1))
        parts.append(f"<h3>{esc(title)}</h3>"
                     '<div class="scroll"><table class="appendix"><thead><tr>'
                     '<th class="tt">TT</th><th class="unit">Đơn vị</th>'
                     "<th>Kết quả đánh giá điểm chất lượng cung cấp dịch vụ công trực tuyến</th>"
                     f"</tr></thead><tbody>{rows}</tbody></table></div>")
    return "".join(parts)


def _legend() -> str:
    items = "".join(f"<li>{badge(o)}</li>" for o in OUTCOMES)
    return ('<ul class="legend" aria-label="Chú giải">' + items + "</ul>"
            '<p class="meta">Khi một tiêu chí được kiểm tra trên nhiều thủ tục của cùng đơn vị: kết quả '
            "giống nhau thì giữ nguyên, khác nhau (đạt ở thủ tục này, chưa đạt ở thủ tục khác) thì ghi "
            "“một phần”; “không kiểm tra được” chỉ ghi khi không thủ tục nào đánh giá được.</p>")


def _heat_map(view: RunView) -> str:
    criteria = view.criteria
    head = "".join(f'<th class="crit" scope="col" title="{esc(criterion_title(c))}">{esc(criterion_title(c))}</th>'
                   for c in criteria)
    rows = []
    for unit in view.units:
        cells = []
        for c in criteria:
            outcome = unit.outcomes.get(c)
            if outcome is None:
                cells.append('<td class="none">·<span class="sr"> chưa có kết quả</span></td>')
            else:
                cells.append(f"<td>{badge(outcome, '#' + _anchor(unit.id, c))}</td>")
        rows.append(f'<tr><th class="row" scope="row"><a href="#{esc(_anchor(unit.id))}">{esc(unit.name)}</a></th>'
                    + "".join(cells) + "</tr>")
    return ("<h2>Bảng tổng hợp theo tiêu chí</h2>" + _legend()
            + '<div class="scroll"><table class="heat"><thead><tr><th class="row" scope="col">Đơn vị</th>'
            + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def _record_html(record: dict[str, Any], run_dir: Path, several_codes: bool) -> str:
    parts = ['<div class="record">']
    if several_codes and record.get("code"):
        parts.append(f'<p class="proc">Mã TTHC {esc(record["code"])}'
                     + (f" — {esc(record['procedure'])}" if record.get("procedure") else "")
                     + f" {badge(record['outcome'])}</p>")
    parts.append(f"<p>{esc(record.get('sentence'))}</p>")
    if record.get("reason"):
        parts.append(f"<p><strong>Lý do:</strong> {esc(record['reason'])}</p>")
    if record.get("evidence"):
        # Open where the reader will want to see why: the failures.
        is_open = " open" if record["outcome"] in ("chua_dat", "mot_phan") else ""
        parts.append(f"<details{is_open}><summary>Bằng chứng</summary>"
                     f"{render_evidence(record['evidence'], run_dir)}</details>")
    meta = []
    if record.get("finished_at"):
        meta.append(f"xong lúc {esc(format_datetime(record['finished_at']))}")
    if isinstance(record.get("duration_s"), (int, float)):
        meta.append(f"mất {esc(_number(record['duration_s']))} giây")
    if record.get("dry_run"):
        meta.append("không nộp thật")
    if record.get("trace") and (run_dir / record["trace"]).exists():
        # Traces hold raw network data, unmasked: say where they are, never embed them.
        meta.append(f"trace Playwright (dữ liệu chưa che): {esc(record['trace'])}")
    if meta:
        parts.append(f'<p class="meta">{"; ".join(meta)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _unit_detail(unit: UnitReport, run_dir: Path) -> str:
    several = len(unit.codes) > 1
    procedures = ", ".join(unit.codes)
    parts = [f'<section class="unit-detail" id="{esc(_anchor(unit.id))}">',
             f"<h3>{esc(unit.name)}</h3>",
             f'<p class="meta">{esc(SECTION_SHORT.get(unit.section, OTHER_SECTION_TITLE))}'
             + (f" — mã TTHC: {esc(procedures)}" if procedures else "") + "</p>"]
    by_criterion: dict[str, list[dict[str, Any]]] = {}
    for record in unit.records:
        by_criterion.setdefault(record["criterion"], []).append(record)
    for criterion_id, records in by_criterion.items():
        criterion = CRITERIA_BY_ID.get(criterion_id)
        parts.append(f'<div class="criterion" id="{esc(_anchor(unit.id, criterion_id))}">'
                     f"<h4>{esc(criterion_title(criterion_id))} {badge(unit.outcomes[criterion_id])}</h4>")
        if criterion and criterion.basis:
            parts.append(f'<p class="basis">{esc(criterion.basis)}</p>')
        parts.extend(_record_html(r, run_dir, several) for r in records)
        parts.append("</div>")
    parts.append('<p><a href="#top">Về đầu trang</a></p></section>')
    return "".join(parts)


def _run_time(run_id: str) -> str:
    """A run's name (its start, yyyymmdd-hhmmss) as a reader writes dates: dd/mm/yyyy hh:mm."""
    return format_datetime(run_id) if re.fullmatch(r"\d{8}-\d{6}", run_id) else run_id


def _sparkline(points: list[int], width: int = 120, height: int = 24) -> str:
    """Failing criteria over the runs, as a line a reader takes in at a glance."""
    top = max(max(points), 1)
    step = width / max(len(points) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (p / top) * (height - 4):.1f}" for i, p in enumerate(points))
    label = "Số tiêu chí chưa đạt qua các lần chạy: " + ", ".join(map(str, points))
    return (f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{esc(label)}"><title>{esc(label)}</title>'
            f'<polyline fill="none" stroke="#cf222e" stroke-width="2" points="{coords}"/></svg>')


def _changes(view: RunView, run_dir: Path) -> str:
    """What changed since the previous run (history.json), with a trend per unit."""
    from engine.report.history import FIXED, NEW_FAILURE, STILL_FAILING, read_history
    history = read_history(run_dir)
    if not history:
        return ""
    names = {u.id: u.unit.get("name", u.id) for u in view.units}
    rows = []
    for unit_id, trend in history["trend"].items():
        changes = [c for c in history["changes"] if c["unit"] == unit_id
                   and c["status"] in (NEW_FAILURE, FIXED, STILL_FAILING)]
        items = "".join(
            f"<li>{esc(criterion_title(c['criterion']))}: <strong>{esc(c['label'])}</strong>"
            + (f" (từ lần chạy {esc(_run_time(c['since']))})" if c.get("since") else "") + "</li>"
            for c in changes)
        rows.append(f'<tr><td><a href="#u-{esc(unit_id)}">{esc(names.get(unit_id, unit_id))}</a></td>'
                    f"<td>{_sparkline([t['chua_dat'] for t in trend])}</td>"
                    f"<td>{'<ul>' + items + '</ul>' if items else 'không đổi'}</td></tr>")
    return (f'<h2 id="thay-doi">Thay đổi so với lần chạy trước ({esc(_run_time(history["previous_run"]))})</h2>'
            '<div class="scroll"><table><thead><tr><th scope="col">Đơn vị</th>'
            '<th scope="col">Xu hướng (số tiêu chí chưa đạt)</th><th scope="col">Thay đổi</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def render_html(view: RunView, run_dir: Path) -> str:
    body = (_header(view) + _changes(view, run_dir) + _appendix(view) + _heat_map(view)
            + "<h2>Chi tiết theo đơn vị</h2>"
            + "".join(_unit_detail(u, run_dir) for u in view.units))
    if not view.records:
        body = f"<h1>{esc(TITLE)}</h1><p>Lượt chạy {esc(view.run_id)} chưa có kết quả nào.</p>"
    return ('<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            # An empty icon: otherwise the browser asks the disk for /favicon.ico and logs an error.
            '<link rel="icon" href="data:,">'
            f"<title>{esc(TITLE)} — {esc(view.run_id)}</title><style>{CSS}</style></head>"
            f'<body><main id="top">{body}</main></body></html>\n')


def _write_atomic(path: Path, text: str) -> None:
    # Someone may have the page open while the nightly run rebuilds it.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_html_report(run_dir: Path, known: Iterable[str] = (), view: RunView | None = None) -> Path:
    """Write ``run_dir/index.html`` from the run's result lines and return its path.
    ``known``: personal strings of the test citizens (names, addresses, birthdays) to mask."""
    run_dir = Path(run_dir)
    view = view or read_run(run_dir, known)
    path = run_dir / "index.html"
    _write_atomic(path, render_html(view, run_dir))
    return path
