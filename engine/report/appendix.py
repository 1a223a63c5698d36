"""The run as the letter's appendix: the table of Công văn 4975/VPCP-KSTT, Phụ lục, as plain data
for every writer (JSON summary, Word export, the static site).

    appendix(view, rollup=None, all_units=False) -> {
        "run_id": "20261204-153000",
        "rollup": None | "2025",
        "columns": ["TT", "Bộ, ngành" | "Địa phương", "Tổng số", "Số TTHC đã cung cấp DVCTT toàn trình
                    trên Cổng DVCQG", "Đạt tỷ lệ (%)", "Kết quả đánh giá ..."]  (COLUMNS; unit column per section)
        "sections": [                       # "bo", then "dia_phuong", then "sandbox" only if present
            {"id": "bo", "title": "I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ", "unit_label": "Bộ, ngành",
             "rows": [row, ...]},           # the letter's order (TT); units the letter does not know last
            ...]}
    row = {
        "tt": "1",                          # the letter's TT (a 2025 province: its place among the 34);
                                            # a unit the letter does not know: numbered on after the last
        "unit_id": "bo-cong-an", "name": "Bộ Công an",
        "total": 79 | None, "provided": 25 | None,   # from the catalog sweep (listed or else declared, working); None: no sweep
        "total_text": "79" | "—", "provided_text": "25" | "—", "rate": "31,6%" | "—",
        "paragraph": [line, ...],           # compose_paragraph's lines (masked), ends "(Đã kiểm tra điểm ...)"
        "codes": ["2.000635", ...],         # procedures walked
        "criteria": {criterion_id: outcome},
        "covered": bool,                    # the run has records for the unit
        # rollup="2025", dia_phuong rows only: one row per province in force since 01/7/2025
        "members": [{"unit_id", "name", "total", "provided", "rate", "paragraph", "covered"}, ...],
    }
    format_rate(part, whole) -> "31,6%" | "30%" | "0%"     # the letter's way

``rollup="2025"`` groups the provinces' rows by the 34 provinces of Nghị quyết 202/2025/QH15: counts
are summed over the former provinces that have them, the rate is recomputed, the paragraphs are
kept per former province (``members``), and the row's ``paragraph`` is theirs one after another,
each headed by the former province's name. ``all_units=True`` lists every unit of the letter, a
unit the run did not cover with "—" and no paragraph (the full national table).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from engine.report.paragraph import RunView, UnitReport, read_run
from engine.units import registry

DASH = "—"
UNIT_COLUMN = "Bộ, ngành"
COLUMNS = ["TT", UNIT_COLUMN, "Tổng số", "Số TTHC đã cung cấp DVCTT toàn trình trên Cổng DVCQG", "Đạt tỷ lệ (%)",
           "Kết quả đánh giá điểm chất lượng cung cấp dịch vụ công trực tuyến"]
#: The group header above "Tổng số" and "Số TTHC đã cung cấp" in the letter's table.
COUNTS_HEADER = "TTHC thuộc thẩm quyền giải quyết đủ điều kiện thực hiện dịch vụ công trực tuyến toàn trình"
SECTIONS = (
    ("bo", "I. KẾT QUẢ THỰC HIỆN CỦA BỘ, CƠ QUAN NGANG BỘ", "Bộ, ngành"),
    ("dia_phuong", "II. KẾT QUẢ THỰC HIỆN CỦA ĐỊA PHƯƠNG", "Địa phương"),
    ("sandbox", "Cổng thử nghiệm (sandbox)", "Cổng thử nghiệm"),
)
CATALOG_CRITERION = "provided_on_portal"


def format_rate(part: int, whole: int) -> str:
    """The letter's way: one decimal with a comma, none when it is whole ("30%"), "0%" for 0/0."""
    if not whole:
        return "0%"
    text = f"{100 * part / whole:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def _catalog_counts(report: UnitReport | None) -> tuple[int | None, int | None]:
    """(total, working) from the unit's catalog sweep record, when the sweep ran. Tổng số is
    what the national portal lists for the unit (``listed``) when the sweep could read it,
    else the full-online services it declares (``declared``)."""
    if report is None:
        return None, None
    for record in report.records:
        if record["criterion"] != CATALOG_CRITERION:
            continue
        catalog = (record.get("evidence") or {}).get("catalog") or {}
        total = catalog.get("listed") if isinstance(catalog.get("listed"), int) else catalog.get("declared")
        if isinstance(total, int) and isinstance(catalog.get("working"), int):
            # A link that reached the unit's own system and met its own login, account or
            # password gate there is provided full-online on the national portal; the gate is
            # the single sign-on criterion's finding, not this column's.
            gated = ((catalog.get("unverified") or {}).get("gate") or {}).get("count") or 0
            return total, catalog["working"] + gated
    return None, None


def _counts_text(total: int | None, provided: int | None) -> dict[str, Any]:
    known = total is not None and provided is not None
    return {"total": total, "provided": provided,
            "total_text": str(total) if total is not None else DASH,
            "provided_text": str(provided) if provided is not None else DASH,
            "rate": format_rate(provided, total) if known else DASH}


def _row(tt: str, unit_id: str, name: str, report: UnitReport | None) -> dict[str, Any]:
    total, provided = _catalog_counts(report)
    return {"tt": tt, "unit_id": unit_id, "name": name, **_counts_text(total, provided),
            "paragraph": list(report.lines) if report else [], "codes": list(report.codes) if report else [],
            "criteria": dict(report.outcomes) if report else {}, "covered": report is not None}


def _section_of(report: UnitReport) -> str:
    info = registry().get(report.id)
    return info.section if info is not None else report.section


def appendix(view: RunView | Path | str, rollup: str | None = None, all_units: bool = False,
             known: Iterable[str] = ()) -> dict[str, Any]:
    """The appendix of a run (a RunView, or a run folder read here). See the module's docstring."""
    if not isinstance(view, RunView):
        view = read_run(Path(view), known)
    if rollup not in (None, "2025"):
        raise ValueError(f"unknown rollup {rollup!r}; expected None or '2025'")
    reports = {u.id: u for u in view.units}
    sections = []
    for section, title, label in SECTIONS:
        present = [u for u in view.units if _section_of(u) == section]
        if section == "sandbox":
            rows = [_row(str(i), u.id, u.name, u) for i, u in enumerate(present, 1)]
        elif rollup == "2025" and section == "dia_phuong":
            rows = _provinces_2025(reports, present, all_units)
        else:
            rows = _letter_rows(section, reports, present, all_units)
        if rows or section != "sandbox":
            sections.append({"id": section, "title": title, "unit_label": label, "rows": rows})
    return {"run_id": view.run_id, "rollup": rollup, "columns": list(COLUMNS), "counts_header": COUNTS_HEADER,
            "sections": sections}


def _letter_rows(section: str, reports: dict[str, UnitReport], present: list[UnitReport],
                 all_units: bool) -> list[dict[str, Any]]:
    reg = registry()
    rows = []
    letter_units = reg.units(section)
    for info in letter_units:
        report = reports.get(info.id)
        if report is not None or all_units:
            rows.append(_row(str(info.stt), info.id, info.name, report))
    known = {info.id for info in letter_units}
    next_tt = max((info.stt or 0 for info in letter_units), default=0)
    for report in present:  # units the letter does not know: after its own, numbered on
        if report.id not in known:
            next_tt += 1
            rows.append(_row(str(next_tt), report.id, report.name, report))
    return rows


def _provinces_2025(reports: dict[str, UnitReport], present: list[UnitReport],
                    all_units: bool) -> list[dict[str, Any]]:
    reg = registry()
    rows = []
    grouped: set[str] = set()
    for index, province in enumerate(reg.provinces_2025(), 1):
        grouped.update(province.merged_from)
        covered = [uid for uid in province.merged_from if uid in reports]
        if not covered and not all_units:
            continue
        members = []
        for uid in province.merged_from:
            report = reports.get(uid)
            if report is None and not all_units:
                continue
            info = reg.get(uid)
            member = _row("", uid, info.name if info else uid, report)
            members.append({k: member[k] for k in ("unit_id", "name", "total", "provided", "rate",
                                                   "paragraph", "covered")})
        counted = [m for m in members if m["total"] is not None and m["provided"] is not None]
        total = sum(m["total"] for m in counted) if counted else None
        provided = sum(m["provided"] for m in counted) if counted else None
        paragraph: list[str] = []
        for m in members:
            if not m["paragraph"]:
                continue
            if province.merged:  # say whose findings these are: the former province's
                paragraph.append(f"{m['name']}:")
            paragraph.extend(m["paragraph"])
        codes = list(dict.fromkeys(c for uid in covered for c in reports[uid].codes))
        rows.append({"tt": str(index), "unit_id": province.id, "name": province.name,
                     **_counts_text(total, provided), "paragraph": paragraph, "codes": codes,
                     "criteria": _merged_outcomes([reports[uid] for uid in covered]),
                     "covered": bool(covered), "members": members})
    next_tt = len(reg.provinces_2025())
    for report in present:  # a province the registry does not know stays on its own
        if report.id not in grouped:
            next_tt += 1
            rows.append(dict(_row(str(next_tt), report.id, report.name, report), members=[]))
    return rows


def _merged_outcomes(reports: list[UnitReport]) -> dict[str, str]:
    from engine.report.paragraph import aggregate_outcome, criterion_rank
    by_criterion: dict[str, list[str]] = {}
    for report in reports:
        for criterion, outcome in report.outcomes.items():
            by_criterion.setdefault(criterion, []).append(outcome)
    return {c: aggregate_outcome(o, c) for c, o in sorted(by_criterion.items(), key=lambda kv: criterion_rank(kv[0]))}
