"""The pages of a run's site: the index (summary, changes since the last run, filters, the
heat map, the letter's appendix in the 63- and 34-province views), one page per unit (its
paragraph, then every criterion with its sentence and evidence), one per 2025 unit that
rolls up several, and one per criterion (every unit's verdict, worst first)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from checks.registry import CRITERIA_BY_ID, CRITERION_IDS
from engine.report.paragraph import NOT_CHECKED_PREFIX, RunView, UnitReport, criterion_title
from engine.report.site import evidence as ev
from engine.report.site.common import (NO_RESULT_LABEL, NO_RESULT_SYMBOL, OUTCOME_SYMBOLS, TITLE, WORST_FIRST,
                                       badge, esc, format_datetime, legend, number, outcome_label, page,
                                       run_time, scroll)
from engine.report.site.model import (SECTION_SHORT, VIEW_2025_06, VIEW_2025_07, VIEW_LABELS, VIEWS, Row,
                                      SiteModel, criterion_anchor, criterion_page, unit_page)
from engine.verdict import CHUA_DAT, MOT_PHAN, OUTCOME_LABELS, OUTCOMES


def criterion_number(criterion_id: str) -> str:
    return str(CRITERION_IDS.index(criterion_id) + 1) if criterion_id in CRITERION_IDS else "–"


def _nav(root: str, runs_index: bool, here: str = "") -> str:
    links = [("index.html", "Tổng hợp"), ("index.html#ban-do", "Bảng theo tiêu chí"),
             ("index.html#phu-luc", "Phụ lục"), ("index.html#tieu-chi", "Các tiêu chí")]
    items = [f'<a href="{root}{href}"' + (' aria-current="page"' if here == href else "") + f">{label}</a>"
             for href, label in links]
    if runs_index:
        items.append(f'<a href="{root}../../index.html">Các lượt chạy</a>')
    return "".join(f"<span>{item}</span>" for item in items)


def _run_label(view: RunView) -> str:
    when = run_time(view.run_id)
    return f"Lượt chạy {when}" if when != view.run_id else f"Lượt chạy {view.run_id}"


def _paragraph(lines: list[str]) -> str:
    out = []
    for line in lines:
        if line.startswith(NOT_CHECKED_PREFIX):
            out.append(f'<p class="not-checked">{esc(line)}</p>')
        elif line.endswith(":") and len(line) < 60:  # a former province's name heading its findings (2025 view)
            out.append(f'<p class="member">{esc(line)}</p>')
        else:
            out.append(f"<p>{esc(line)}</p>")
    return "".join(out)


def _outcome_attr(outcomes: dict[str, str]) -> str:
    return " ".join(f"{c}={o}" for c, o in outcomes.items())


# ====================================================================== index

def _header(view: RunView) -> str:
    totals = view.totals()
    finished = [r.get("finished_at") for r in view.records if r.get("finished_at")]
    started = run_time(view.run_id)
    started = started if started != view.run_id else format_datetime(min(finished) if finished else "")
    parts = [f"<h1>{esc(TITLE)}</h1>",
             f'<p class="meta">Lượt chạy: <strong>{esc(view.run_id)}</strong>'
             + (f" — bắt đầu {esc(started)}" if started else "")
             + (f" — kết quả cuối lúc {esc(format_datetime(max(finished)))}" if finished else "") + "</p>"]
    if any(r.get("dry_run") for r in view.records):
        parts.append('<p class="notice"><strong>Chạy không nộp thật:</strong> trên các hệ thống không phải môi trường '
                     "thử nghiệm, yêu cầu nộp hồ sơ cuối cùng đã bị chặn lại, không gửi đi.</p>")
    items = [f"<li><strong>{len(view.units)}</strong> đơn vị</li>",
             f"<li><strong>{len(view.criteria)}</strong> tiêu chí đã kiểm tra</li>"]
    items += [f"<li>{badge(o)} <strong>{totals.get(o, 0)}</strong></li>" for o in OUTCOMES]
    parts.append('<h2 id="tong-hop">Tổng hợp</h2><ul class="totals">' + "".join(items) + "</ul>"
                 '<p class="meta">Mỗi kết quả ứng với một tiêu chí của một thủ tục hành chính tại một đơn vị.</p>')
    return "".join(parts)


def _sparkline(points: list[int], width: int = 120, height: int = 24) -> str:
    """Failing criteria over the runs, as a line a reader takes in at a glance."""
    top = max(max(points), 1)
    step = width / max(len(points) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (p / top) * (height - 4):.1f}" for i, p in enumerate(points))
    label = "Số tiêu chí chưa đạt qua các lần chạy: " + ", ".join(map(str, points))
    return (f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{esc(label)}"><title>{esc(label)}</title>'
            f'<polyline fill="none" stroke="#cf222e" stroke-width="2" points="{coords}"/></svg>')


def _changes(model: SiteModel, run_dir: Path) -> str:
    """What changed since the previous run (history.json), with a trend per unit."""
    from engine.report.history import FIXED, NEW_FAILURE, STILL_FAILING, read_history
    history = read_history(run_dir)
    if not history:
        return ""
    names = {u.id: u.name for u in model.view.units}
    rows = []
    for unit_id, trend in history["trend"].items():
        changes = [c for c in history["changes"] if c["unit"] == unit_id
                   and c["status"] in (NEW_FAILURE, FIXED, STILL_FAILING)]
        items = "".join(
            f'<li><a href="{esc(unit_page(unit_id))}#{criterion_anchor(c["criterion"])}">'
            f"{esc(criterion_title(c['criterion']))}</a>: <strong>{esc(c['label'])}</strong>"
            + (f" (từ lần chạy {esc(run_time(c['since']))})" if c.get("since") else "") + "</li>"
            for c in changes)
        name = names.get(unit_id, unit_id)
        link = f'<a href="{esc(unit_page(unit_id))}">{esc(name)}</a>' if unit_id in names else esc(name)
        rows.append(f"<tr><td>{link}</td><td>{_sparkline([t['chua_dat'] for t in trend])}</td>"
                    f"<td>{'<ul>' + items + '</ul>' if items else 'không đổi'}</td></tr>")
    table = ('<table><thead><tr><th scope="col">Đơn vị</th><th scope="col">Xu hướng (số tiêu chí chưa đạt)</th>'
             f'<th scope="col">Thay đổi</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    return (f'<h2 id="thay-doi">Thay đổi so với lần chạy trước ({esc(run_time(history["previous_run"]))})</h2>'
            + scroll(table, "Thay đổi so với lần chạy trước"))


def _controls(model: SiteModel) -> str:
    """The view switch and the filters; hidden until the script runs (they need it)."""
    switch = "".join(
        f'<label><input type="radio" name="xem" value="{v}"{" checked" if v == VIEW_2025_06 else ""}> '
        f"{esc(VIEW_LABELS[v])}</label>" for v in VIEWS)
    unit_options = []
    for v in VIEWS:
        for section in model.views[v]:
            options = "".join(f'<option value="{esc(r.key)}" data-view="{v}">{esc(r.name)}</option>'
                              for r in section.rows)
            unit_options.append(f'<optgroup label="{esc(section.title)}" data-view="{v}">{options}</optgroup>')
    criteria = "".join(f'<option value="{esc(c)}">{criterion_number(c)}. {esc(criterion_title(c))}</option>'
                       for c in model.view.criteria)
    outcomes = "".join(f'<option value="{o}">{OUTCOME_SYMBOLS[o]} {esc(OUTCOME_LABELS[o])}</option>'
                       for o in OUTCOMES)
    return ('<section id="bo-loc" class="controls" aria-labelledby="bo-loc-h" hidden>'
            '<h2 id="bo-loc-h">Chế độ xem và bộ lọc</h2>'
            f'<fieldset class="switch"><legend>Danh sách tỉnh, thành phố</legend>{switch}</fieldset>'
            '<div class="filters">'
            '<div class="filter"><label for="loc-don-vi">Đơn vị</label><select id="loc-don-vi">'
            f'<option value="">Tất cả đơn vị</option>{"".join(unit_options)}</select></div>'
            '<div class="filter"><label for="loc-tieu-chi">Tiêu chí</label><select id="loc-tieu-chi">'
            f'<option value="">Tất cả tiêu chí</option>{criteria}</select></div>'
            '<div class="filter"><label for="loc-ket-qua">Kết quả</label><select id="loc-ket-qua">'
            f'<option value="">Mọi kết quả</option>{outcomes}</select></div>'
            '<button type="button" id="bo-loc-xoa">Bỏ lọc</button></div>'
            '<p id="bo-loc-ket-qua" class="meta" role="status" aria-live="polite"></p></section>'
            '<noscript><p class="meta">Bật JavaScript để lọc và chuyển sang danh sách 34 tỉnh, thành phố từ '
            "01/7/2025; không có JavaScript, trang hiển thị danh sách theo Công văn.</p></noscript>")


def _heat_map(model: SiteModel, view: str) -> str:
    criteria = model.view.criteria
    head = "".join(
        f'<th scope="col" class="crit" data-crit="{esc(c)}"><a href="{esc(criterion_page(c))}">'
        f'<span class="num">{criterion_number(c)}</span> {esc(criterion_title(c))}</a></th>' for c in criteria)
    body = []
    for section in model.views[view]:
        body.append(f'<tr class="section-row"><th scope="rowgroup" colspan="{len(criteria) + 1}">'
                    f"{esc(section.title)}</th></tr>")
        for row in section.rows:
            cells = []
            for c in criteria:
                outcome = row.outcomes.get(c)
                label = f"{row.name} — {criterion_title(c)}: {outcome_label(outcome)}"
                if outcome is None:
                    cells.append(f'<td class="c none" data-crit="{esc(c)}" title="{esc(label)}">'
                                 f'{NO_RESULT_SYMBOL}<span class="sr"> {NO_RESULT_LABEL}</span></td>')
                else:
                    cells.append(f'<td class="c {outcome}" data-crit="{esc(c)}" data-outcome="{outcome}">'
                                 f'<a href="{esc(row.cell_href[c])}" title="{esc(label)}" aria-label="{esc(label)}">'
                                 f"{OUTCOME_SYMBOLS[outcome]}</a></td>")
            body.append(f'<tr data-row="{esc(row.key)}" data-outcomes="{esc(_outcome_attr(row.outcomes))}">'
                        f'<th scope="row" class="unit"><a href="{esc(row.href)}">{esc(row.name)}</a></th>'
                        + "".join(cells) + "</tr>")
    table = (f'<table class="heat"><caption class="sr">Kết quả theo đơn vị và tiêu chí ({esc(VIEW_LABELS[view])})'
             f'</caption><thead><tr><th scope="col" class="unit">Đơn vị</th>{head}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table>')
    return (f'<div class="view" data-view="{view}"{"" if view == VIEW_2025_06 else " hidden"}>'
            + scroll(table, f"Bảng kết quả theo tiêu chí, {VIEW_LABELS[view]}") + "</div>")


def _appendix(model: SiteModel, view: str) -> str:
    finished = [r.get("finished_at") for r in model.view.records if r.get("finished_at")]
    until = format_datetime(max(finished))[:10] if finished else ""
    parts = [f'<div class="view" data-view="{view}"{"" if view == VIEW_2025_06 else " hidden"}>',
             '<p>Căn cứ kết quả kiểm tra điểm chất lượng dịch vụ công trực tuyến được bộ, ngành, địa phương tích hợp '
             "trên Cổng Dịch vụ công quốc gia" + (f", tính đến ngày {esc(until)}" if until else "")
             + ", kết quả thực hiện của từng đơn vị cụ thể như sau"
             + (" (các tỉnh, thành phố theo đơn vị hành chính từ 01/7/2025)" if view == VIEW_2025_07 else "")
             + ":</p>"]
    for section in model.views[view]:
        counts = section.counts()
        summary = ", ".join(f"{counts[o]} {OUTCOME_LABELS[o]}" for o in OUTCOMES if counts.get(o))
        unit_word = "bộ, cơ quan" if section.key == "bo" else "đơn vị"
        rows = []
        for n, row in enumerate(section.rows, start=1):
            tt = esc(row.tt) or n
            note = f'<p class="note">{esc(row.note)}</p>' if row.note else ""
            rows.append(f'<tr data-row="{esc(row.key)}" data-outcomes="{esc(_outcome_attr(row.outcomes))}">'
                        f'<td class="tt">{tt}</td><th scope="row" class="unit"><a href="{esc(row.href)}">'
                        f"{esc(row.name)}</a>{note}</th>"
                        f'<td class="num">{esc(row.total_text)}</td><td class="num">{esc(row.provided_text)}</td>'
                        f'<td class="num">{esc(row.rate_text)}</td><td class="para">{_paragraph(row.lines)}</td></tr>')
        table = ('<table class="appendix"><thead><tr><th scope="col" class="tt">TT</th>'
                 f'<th scope="col" class="unit">{"Bộ, ngành" if section.key == "bo" else "Đơn vị"}</th>'
                 '<th scope="col" class="num">Tổng số TTHC đủ điều kiện</th>'
                 '<th scope="col" class="num">Số TTHC đã cung cấp DVCTT toàn trình trên Cổng DVCQG</th>'
                 '<th scope="col" class="num">Đạt tỷ lệ (%)</th>'
                 "<th scope=\"col\">Kết quả đánh giá điểm chất lượng cung cấp dịch vụ công trực tuyến</th>"
                 f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
        parts.append(f"<h3>{esc(section.title)}</h3>"
                     f'<p class="meta">{len(section.rows)} {unit_word}'
                     + (f"; theo tiêu chí: {esc(summary)}" if summary else "") + "</p>"
                     + scroll(table, f"{section.title} ({VIEW_LABELS[view]})"))
    parts.append("</div>")
    return "".join(parts)


def _criteria_list(view: RunView) -> str:
    present = set(view.criteria)
    items = []
    for criterion_id in CRITERION_IDS:
        title = esc(CRITERIA_BY_ID[criterion_id].title)
        if criterion_id in present:
            items.append(f'<li><a href="{esc(criterion_page(criterion_id))}">{title}</a></li>')
        else:
            items.append(f'<li>{title} <span class="meta">(lượt chạy này chưa kiểm tra)</span></li>')
    return ('<h2 id="tieu-chi">Các tiêu chí của Công văn 4975/VPCP-KSTT</h2>'
            f'<ol class="criteria">{"".join(items)}</ol>')


def index_page(model: SiteModel, run_dir: Path, runs_index: bool) -> str:
    view = model.view
    if not view.records:
        body = f"<h1>{esc(TITLE)}</h1><p>Lượt chạy {esc(view.run_id)} chưa có kết quả nào.</p>"
        return page(f"{TITLE} — {view.run_id}", body, nav=_nav("", runs_index, "index.html"))
    body = (_header(view) + _changes(model, run_dir) + _controls(model)
            + '<h2 id="ban-do">Bảng tổng hợp theo tiêu chí</h2>'
            '<p class="meta">Mỗi ô là kết quả của một tiêu chí tại một đơn vị; chọn ô để xem bằng chứng. '
            "Khi một tiêu chí được kiểm tra trên nhiều thủ tục của cùng đơn vị: kết quả giống nhau thì giữ nguyên, "
            "khác nhau thì ghi “một phần”; “không kiểm tra được” chỉ ghi khi không thủ tục nào đánh giá được.</p>"
            + legend() + "".join(_heat_map(model, v) for v in VIEWS)
            + '<h2 id="phu-luc">Phụ lục: kết quả đánh giá theo đơn vị</h2>'
            + "".join(_appendix(model, v) for v in VIEWS)
            + _criteria_list(view))
    return page(f"{TITLE} — {view.run_id}", body, nav=_nav("", runs_index, "index.html"),
                run_label=_run_label(view))


# ====================================================================== unit page

def _record(record: dict[str, Any], run_dir: Path, several_codes: bool, unit_name: str) -> str:
    parts = ['<div class="record">']
    if several_codes and record.get("code"):
        parts.append(f'<p class="proc">Mã TTHC {esc(record["code"])}'
                     + (f" — {esc(record['procedure'])}" if record.get("procedure") else "")
                     + f" {badge(record['outcome'])}</p>")
    parts.append(f'<p class="sentence">{esc(record.get("sentence"))}</p>')
    if record.get("reason"):
        parts.append(f"<p><strong>Lý do:</strong> {esc(record['reason'])}</p>")
    evidence = record.get("evidence") or {}
    if evidence:
        context = f"{unit_name}, {criterion_title(record['criterion'])}"
        shots = ev.screenshots_html(ev.screenshots(evidence), run_dir, "../", context)
        bars, threshold = ev.timings(evidence)
        blocks = [("Ảnh chụp màn hình", shots),
                  ("Thời gian chuyển màn hình", ev.timing_chart(bars, threshold)),
                  ("Dữ liệu kiểm tra tính hợp lệ", ev.validation_table(ev.validation_inputs(evidence))),
                  ("Các địa chỉ trên hành trình", ev.urls_html(ev.journey_urls(evidence)))]
        for title, block in blocks:
            if block:
                parts.append(f'<div class="block"><h4>{title}</h4>{block}</div>')
        # Open where the reader will want to see why: the failures.
        is_open = " open" if record["outcome"] in (CHUA_DAT, MOT_PHAN) and not any(b for _, b in blocks) else ""
        parts.append(f"<details{is_open}><summary>Toàn bộ bằng chứng</summary>"
                     f"{ev.render_evidence(evidence, run_dir, root='../')}</details>")
    meta = []
    if record.get("finished_at"):
        meta.append(f"xong lúc {esc(format_datetime(record['finished_at']))}")
    if isinstance(record.get("duration_s"), (int, float)):
        meta.append(f"mất {esc(number(record['duration_s']))} giây")
    if record.get("dry_run"):
        meta.append("không nộp thật")
    if record.get("trace") and (run_dir / record["trace"]).exists():
        # Traces hold raw network data, unmasked: say where they are, never link or embed them.
        meta.append(f"trace Playwright (dữ liệu chưa che): {esc(record['trace'])}")
    if meta:
        parts.append(f'<p class="meta">{"; ".join(meta)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _screens_overview(unit: UnitReport, run_dir: Path) -> str:
    """One computer and the phone screenshots of the unit side by side, at the top."""
    desktop, phones = None, []
    for record in unit.records:
        for shot in ev.screenshots(record.get("evidence") or {}):
            if ev.screenshot_src(shot[0], run_dir) is None:
                continue
            if shot[1] == "may-tinh" and desktop is None and record["criterion"] != "mobile_layout":
                desktop = shot
            elif shot[1] == "dien-thoai" and shot not in phones:
                phones.append(shot)
    shots = ([desktop] if desktop else []) + phones[:2]
    if not shots:
        return ""
    return ('<h2 id="man-hinh">Màn hình trên máy tính và điện thoại</h2>'
            + ev.screenshots_html(shots, run_dir, "../", unit.name))


def _unit_facts(unit: UnitReport, model: SiteModel) -> str:
    info = model.registry.get(unit.id) if model.registry is not None else None
    facts = [esc(SECTION_SHORT.get(unit.section, "Đơn vị khác"))]
    if getattr(info, "stt", None):
        facts.append(f"TT {info.stt} trong Phụ lục Công văn 4975/VPCP-KSTT")
    row = model.row_2025_of(unit)
    if unit.section == "dia_phuong" and row is not None and row.name != unit.name:
        target = f'<a href="../{esc(row.href)}">{esc(row.name)}</a>' if len(row.members) > 1 else esc(row.name)
        facts.append(f"từ 01/7/2025 thuộc {target}")
    elif getattr(info, "name_2025", None) and info.name_2025 != unit.name:
        facts.append(f"tên từ 2025: {esc(info.name_2025)}")
    if unit.codes:
        facts.append(f"mã TTHC: {esc(', '.join(unit.codes))}")
    return f'<p class="meta">{" — ".join(facts)}</p>'


def unit_page_html(unit: UnitReport, model: SiteModel, run_dir: Path, runs_index: bool) -> str:
    several = len(unit.codes) > 1
    by_criterion: dict[str, list[dict[str, Any]]] = {}
    for record in unit.records:
        by_criterion.setdefault(record["criterion"], []).append(record)
    summary = "".join(
        f'<li><a class="badge {o}" href="#{criterion_anchor(c)}">'
        f'<span aria-hidden="true">{OUTCOME_SYMBOLS[o]}</span> {criterion_number(c)}. {esc(criterion_title(c))}'
        f'<span class="sr">: {esc(OUTCOME_LABELS[o])}</span></a></li>'
        for c, o in unit.outcomes.items())
    parts = [f"<h1>{esc(unit.name)}</h1>", _unit_facts(unit, model),
             '<h2 id="nhan-xet">Nhận xét</h2>', f'<div class="para">{_paragraph(unit.lines)}</div>',
             '<h2 id="ket-qua">Kết quả theo tiêu chí</h2>', legend(),
             f'<ul class="unit-summary">{summary}</ul>', _screens_overview(unit, run_dir),
             '<h2 id="bang-chung">Bằng chứng theo tiêu chí</h2>']
    for criterion_id, records in by_criterion.items():
        criterion = CRITERIA_BY_ID.get(criterion_id)
        parts.append(f'<section class="criterion" id="{criterion_anchor(criterion_id)}" '
                     f'aria-labelledby="{criterion_anchor(criterion_id)}-h">'
                     f'<h3 id="{criterion_anchor(criterion_id)}-h">{criterion_number(criterion_id)}. '
                     f"{esc(criterion_title(criterion_id))} {badge(unit.outcomes[criterion_id])}</h3>")
        if criterion and (criterion.legal_basis or criterion.basis):
            parts.append(f'<p class="basis">Căn cứ: {esc(criterion.legal_basis or criterion.basis)}. '
                         f'<a href="../{esc(criterion_page(criterion_id))}">Kết quả của mọi đơn vị</a></p>')
        parts.extend(_record(r, run_dir, several, unit.name) for r in records)
        parts.append("</section>")
    title = f"{unit.name} — {TITLE} — {model.view.run_id}"
    return page(title, "".join(parts), root="../", nav=_nav("../", runs_index), run_label=_run_label(model.view))


def rollup_page_html(row: Row, model: SiteModel, runs_index: bool) -> str:
    """A 2025 unit that stands for several of the letter's: its verdicts and who drew them."""
    criteria = list(row.outcomes)
    head = "".join(f'<th scope="col"><a href="../{esc(unit_page(u.id))}">{esc(u.name)}</a></th>' for u in row.members)
    body = []
    for c in criteria:
        cells = []
        for u in row.members:
            outcome = u.outcomes.get(c)
            cells.append(f"<td>{badge(outcome, '../' + unit_page(u.id) + '#' + criterion_anchor(c))}</td>"
                         if outcome else f'<td class="none">{NO_RESULT_SYMBOL} {NO_RESULT_LABEL}</td>')
        body.append(f'<tr><th scope="row"><a href="../{esc(criterion_page(c))}">{criterion_number(c)}. '
                    f"{esc(criterion_title(c))}</a></th><td>{badge(row.outcomes[c])}</td>{''.join(cells)}</tr>")
    table = (f'<table class="rollup"><thead><tr><th scope="col">Tiêu chí</th><th scope="col">Chung</th>{head}</tr>'
             f'</thead><tbody>{"".join(body)}</tbody></table>')
    members = "".join(f'<li><a href="../{esc(unit_page(u.id))}">{esc(u.name)}</a></li>' for u in row.members)
    body_html = (f"<h1>{esc(row.name)}</h1>"
                 f'<p class="meta">Đơn vị từ 01/7/2025' + (f" — {esc(row.note)}" if row.note else "") + "</p>"
                 f'<h2>Các đơn vị theo Công văn</h2><ul>{members}</ul>'
                 f'<h2>Nhận xét</h2><div class="para">{_paragraph(row.lines)}</div>'
                 '<h2>Kết quả theo tiêu chí</h2>'
                 '<p class="meta">Kết quả chung: giống nhau thì giữ nguyên, khác nhau thì ghi “một phần”.</p>'
                 + legend() + scroll(table, f"Kết quả của {row.name} theo tiêu chí"))
    return page(f"{row.name} — {TITLE} — {model.view.run_id}", body_html, root="../", nav=_nav("../", runs_index),
                run_label=_run_label(model.view))


# ====================================================================== criterion page

def criterion_page_html(criterion_id: str, model: SiteModel, runs_index: bool) -> str:
    criterion = CRITERIA_BY_ID.get(criterion_id)
    entries = []
    for order, row in enumerate(model.rows(VIEW_2025_06)):
        if not row.members:
            continue
        unit = row.members[0]
        outcome = unit.outcomes.get(criterion_id)
        if outcome is None:
            continue
        records = [r for r in unit.records if r["criterion"] == criterion_id]
        entries.append((WORST_FIRST.index(outcome), order, row, unit, outcome, records))
    entries.sort(key=lambda e: (e[0], e[1]))
    counts = {o: sum(1 for e in entries if e[4] == o) for o in OUTCOMES}
    provinces = any(e[2].province_2025 for e in entries)
    rows = []
    for _, _, row, unit, outcome, records in entries:
        sentences = list(dict.fromkeys(r.get("sentence") or "" for r in records if r.get("sentence")))
        reasons = list(dict.fromkeys(r.get("reason") for r in records if r.get("reason")))
        text = "".join(f"<p>{esc(s)}</p>" for s in sentences) + "".join(
            f'<p class="not-checked">Lý do: {esc(r)}</p>' for r in reasons)
        codes = ", ".join(dict.fromkeys(r.get("code") for r in records if r.get("code")))
        evidence = f"../{unit_page(unit.id)}#{criterion_anchor(criterion_id)}"
        rows.append(f'<tr class="{outcome}"><th scope="row"><a href="../{esc(unit_page(unit.id))}">{esc(unit.name)}</a>'
                    + (f'<span class="meta"> ({esc(SECTION_SHORT.get(unit.section, ""))})</span>') + "</th>"
                    + (f"<td>{esc(row.province_2025)}</td>" if provinces else "")
                    + f"<td>{badge(outcome)}</td><td>{text}</td><td>{esc(codes) or '—'}</td>"
                    f'<td><a href="{esc(evidence)}">Bằng chứng<span class="sr"> của {esc(unit.name)}</span></a></td></tr>')
    table = ('<table class="by-unit"><thead><tr><th scope="col">Đơn vị</th>'
             + ('<th scope="col">Tỉnh, thành phố từ 01/7/2025</th>' if provinces else "")
             + '<th scope="col">Kết quả</th><th scope="col">Nhận xét</th><th scope="col">Mã TTHC</th>'
             f'<th scope="col">Bằng chứng</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    present = model.view.criteria
    i = present.index(criterion_id)
    neighbours = []
    if i > 0:
        neighbours.append(f'<a href="{esc(Path(criterion_page(present[i - 1])).name)}" rel="prev">← '
                          f"{criterion_number(present[i - 1])}. {esc(criterion_title(present[i - 1]))}</a>")
    if i + 1 < len(present):
        neighbours.append(f'<a href="{esc(Path(criterion_page(present[i + 1])).name)}" rel="next">'
                          f"{criterion_number(present[i + 1])}. {esc(criterion_title(present[i + 1]))} →</a>")
    totals = "".join(f"<li>{badge(o)} <strong>{counts[o]}</strong></li>" for o in OUTCOMES if counts[o])
    body = (f"<h1>Tiêu chí {criterion_number(criterion_id)}: {esc(criterion_title(criterion_id))}</h1>"
            + (f'<p class="basis"><strong>Căn cứ pháp lý:</strong> {esc(criterion.legal_basis)}</p>'
               if criterion and criterion.legal_basis else "")
            + (f'<p class="meta">Yêu cầu: {esc(criterion.basis)}</p>' if criterion and criterion.basis else "")
            + f'<ul class="totals">{totals}</ul>'
            + '<h2>Kết quả của các đơn vị (kém nhất trước)</h2>'
            + scroll(table, f"Kết quả của các đơn vị theo tiêu chí {criterion_title(criterion_id)}")
            + (f'<nav class="pager" aria-label="Tiêu chí trước, sau">{"".join(neighbours)}</nav>' if neighbours else ""))
    return page(f"{criterion_title(criterion_id)} — {TITLE} — {model.view.run_id}", body, root="../",
                nav=_nav("../", runs_index), run_label=_run_label(model.view))
