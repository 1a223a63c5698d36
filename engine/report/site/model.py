"""The rows the site shows, in two views of the same run, both from the letter's appendix
(``engine.report.appendix``) so that the site, the JSON summary and the Word export agree:

* ``63``: the appendix as of June 2025 — one row per unit the run checked, the letter's TT,
  section I (ministries), section II (provinces), then the sandbox's test portals;
* ``34``: the provinces in force since 01/7/2025 — provinces merged in 2025 rolled up into the
  province they now belong to (counts summed, paragraphs kept per former province).

Units that the appendix does not place (an unknown section) are kept in a last section, so
no result of the run goes missing from the site.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.report.appendix import appendix
from engine.report.paragraph import RunView, UnitReport, aggregate_outcome, criterion_rank
from engine.report.site.common import WORST_FIRST, file_name

VIEW_2025_06, VIEW_2025_07 = "63", "34"
VIEWS = (VIEW_2025_06, VIEW_2025_07)
VIEW_LABELS = {VIEW_2025_06: "63 tỉnh, thành phố (theo Công văn, 6/2025)",
               VIEW_2025_07: "34 tỉnh, thành phố (từ 01/7/2025)"}
SECTION_SHORT = {"bo": "Bộ, cơ quan ngang bộ", "dia_phuong": "Địa phương", "sandbox": "Cổng thử nghiệm (sandbox)"}
OTHER_SECTION = ("khac", "Đơn vị khác")
UNIT_DIR, ROLLUP_DIR, CRITERION_DIR = "don-vi", "don-vi-2025", "tieu-chi"


def load_registry() -> Any | None:
    """The units registry (``engine.units.registry()``), or None when it cannot be read."""
    try:
        from engine.units import registry
        return registry()
    except Exception:  # noqa: BLE001 - a broken registry file must not cost the night's report
        return None


def unit_page(unit_id: str) -> str:
    return f"{UNIT_DIR}/{file_name(unit_id)}.html"


def rollup_page(key: str) -> str:
    return f"{ROLLUP_DIR}/{file_name(key)}.html"


def criterion_page(criterion_id: str) -> str:
    return f"{CRITERION_DIR}/{file_name(criterion_id)}.html"


def criterion_anchor(criterion_id: str) -> str:
    return "tc-" + file_name(criterion_id)


@dataclass
class Row:
    """One line of the appendix and of the heat map in one view."""
    key: str  # unique in its view
    name: str
    section: str
    tt: str
    href: str  # the row's page, relative to the run folder
    lines: list[str]  # the paragraph
    outcomes: dict[str, str]  # criterion -> verdict, folded over the row's units
    cell_href: dict[str, str]  # criterion -> where its evidence is
    members: list[UnitReport]  # the run's units behind the row
    total_text: str = "—"
    provided_text: str = "—"
    rate_text: str = "—"
    note: str = ""  # "Hợp nhất từ ..."
    province_2025: str = ""  # a June-2025 province: the province it belongs to since 01/7/2025


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            for outcome in row.outcomes.values():
                out[outcome] = out.get(outcome, 0) + 1
        return out


@dataclass
class SiteModel:
    view: RunView
    views: dict[str, list[Section]]
    registry: Any | None

    def rows(self, view: str) -> list[Row]:
        return [row for section in self.views[view] for row in section.rows]

    def rollups(self) -> list[Row]:
        """Rows of the 2025 view that stand for several units (they get a page of their own)."""
        return [row for row in self.rows(VIEW_2025_07) if len(row.members) > 1]

    def row_2025_of(self, unit: UnitReport) -> Row | None:
        return next((row for row in self.rows(VIEW_2025_07) if unit in row.members), None)


def _rank(outcome: str) -> int:
    return WORST_FIRST.index(outcome) if outcome in WORST_FIRST else len(WORST_FIRST)


def _links(members: list[UnitReport], outcomes: dict[str, str]) -> dict[str, str]:
    """Per criterion, the evidence of the member that drew the verdict down most."""
    links = {}
    for criterion in outcomes:
        judged = [u for u in members if criterion in u.outcomes]
        if judged:
            culprit = min(judged, key=lambda u: _rank(u.outcomes[criterion]))
            links[criterion] = f"{unit_page(culprit.id)}#{criterion_anchor(criterion)}"
    return links


def _row(data: dict[str, Any], section: str, reports: dict[str, UnitReport], registry: Any | None,
         provinces: dict[str, str]) -> Row:
    members_data = data.get("members") or []
    if members_data:
        members = [reports[m["unit_id"]] for m in members_data if m["unit_id"] in reports]
    else:
        members = [reports[data["unit_id"]]] if data["unit_id"] in reports else []
    outcomes = dict(data.get("criteria") or {})
    if not outcomes and members:
        outcomes = {c: aggregate_outcome(o for u in members for o in [u.outcomes[c]] if c in u.outcomes)
                    for c in sorted({c for u in members for c in u.outcomes}, key=criterion_rank)}
    note = ""
    if len(members_data) > 1:
        note = "Hợp nhất từ: " + ", ".join(m["name"] for m in members_data)
        if len(members) < len(members_data):
            note += " (lượt chạy này chưa kiểm tra: " + ", ".join(
                m["name"] for m in members_data if m["unit_id"] not in reports) + ")"
    if len(members) > 1:
        key, href = data["unit_id"], rollup_page(data["unit_id"])
    elif members:
        key, href = (data["unit_id"], unit_page(members[0].id))
    else:
        key, href = data["unit_id"], ""
    province = ""
    if section == "dia_phuong" and not members_data and registry is not None:
        info = registry.get(data["unit_id"])
        province = provinces.get(getattr(info, "province_2025", None) or "", "")
    return Row(key=key, name=data["name"], section=section, tt=str(data.get("tt") or ""), href=href,
               lines=list(data.get("paragraph") or []), outcomes=outcomes, cell_href=_links(members, outcomes),
               members=members, total_text=data.get("total_text", "—"), provided_text=data.get("provided_text", "—"),
               rate_text=data.get("rate", "—"), note=note, province_2025=province)


def _sections(table: dict[str, Any], view: RunView, registry: Any | None, provinces: dict[str, str]) -> list[Section]:
    reports = {u.id: u for u in view.units}
    sections = []
    placed: set[str] = set()
    for data in table["sections"]:
        rows = [_row(r, data["id"], reports, registry, provinces) for r in data["rows"]
                if r.get("covered", True)]
        for row in rows:
            placed.update(u.id for u in row.members)
        if rows:
            sections.append(Section(data["id"], data["title"], rows))
    left = [u for u in view.units if u.id not in placed]
    if left:  # what the appendix does not place (an unknown section) still shows
        rows = [_row({"unit_id": u.id, "name": u.name, "tt": str(n), "paragraph": u.lines, "criteria": u.outcomes},
                     u.section, reports, registry, provinces) for n, u in enumerate(left, 1)]
        sections.append(Section(OTHER_SECTION[0], OTHER_SECTION[1], rows))
    return sections


def build_model(view: RunView, registry: Any | None = None) -> SiteModel:
    reg = registry if registry is not None else load_registry()
    provinces = {p.id: p.name for p in reg.provinces_2025()} if reg is not None else {}
    views = {VIEW_2025_06: _sections(appendix(view), view, reg, provinces),
             VIEW_2025_07: _sections(appendix(view, rollup="2025"), view, reg, provinces)}
    return SiteModel(view=view, views=views, registry=reg)
