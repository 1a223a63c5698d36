"""One unit's findings as the letter writes them, and the run as the report writers see it.

The Phụ lục of Công văn 4975/VPCP-KSTT gives each unit one paragraph: what works first,
then "Tuy nhiên, ..." and what does not, then "(Đã kiểm tra điểm đối với mã TTHC ...)".
``compose_paragraph`` builds that paragraph from a unit's result records as a list of
lines, so the HTML page, the JSON summary and any later writer say exactly the same thing.

``read_run`` loads a run folder once (masked again, grouped by unit, outcomes aggregated)
for all writers; it reads result lines only, never live objects.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from checks.registry import CRITERIA_BY_ID, CRITERION_IDS
from engine.masking import mask_record
from engine.results import iter_units, read_results
from engine.verdict import CHUA_DAT, DAT, KHONG_AP_DUNG, KHONG_KIEM_TRA_DUOC, MOT_PHAN

HOWEVER = "Tuy nhiên, "
NOT_CHECKED_PREFIX = "Không kiểm tra được: "

# Where a unit sits in the letter's appendix; anything else goes last.
SECTION_ORDER = ("bo", "dia_phuong", "sandbox")


def criterion_rank(criterion_id: str) -> int:
    """Position in the letter's order; criteria unknown to the registry go last."""
    try:
        return CRITERION_IDS.index(criterion_id)
    except ValueError:
        return len(CRITERION_IDS)


def criterion_title(criterion_id: str) -> str:
    criterion = CRITERIA_BY_ID.get(criterion_id)
    return criterion.title if criterion else criterion_id


def _as_sentence(text: str) -> str:
    text = " ".join((text or "").split())
    if text and text[-1] not in ".!?…)":
        text += "."
    return text


# First words of the names the letter keeps capitalised after "Tuy nhiên, " when the next word
# is capitalised too: "Bộ Công an", "Cổng DVCQG", "Hệ thống thông tin..." is a common noun.
_PROPER_HEADS = {"bộ", "cổng", "tỉnh", "thành", "tp", "sở", "ủy", "uỷ", "văn", "trung", "hệ", "cơ"}


def _lower_first(text: str) -> str:
    """Lower-case the first letter, as the sentence now runs on after "Tuy nhiên, " or
    "Không kiểm tra được: ", unless it starts an acronym (HTTT, SĐT) or a proper name."""
    words = text.split(" ", 2)
    first = words[0]
    if sum(ch.isupper() for ch in first) > 1:
        return text
    if first.casefold() in _PROPER_HEADS and len(words) > 1 and words[1][:1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def procedure_codes(records: list[dict[str, Any]]) -> list[str]:
    """The unit's TTHC codes in first-seen order (catalog records carry no code)."""
    return _unique((record.get("code") or "").strip() for record in records)


def compose_paragraph(records: list[dict[str, Any]]) -> list[str]:
    """The unit's paragraph as lines, in the letter's style.

    Strengths (đạt) first, in criterion order; then the first weakness (chưa đạt, một phần)
    introduced by "Tuy nhiên, ", then the others; then one line naming what could not be
    checked and why; "không áp dụng" is left out; last, the procedure codes walked, as the
    letter ends a unit: "(Đã kiểm tra điểm đối với mã TTHC ...)". The same sentence from several
    procedures is said once; a criterion judged both ways on different procedures names the
    procedure of each sentence (``_sentences``)."""
    ordered = sorted(records, key=lambda r: criterion_rank(r["criterion"]))  # stable: codes keep their order
    said = _sentences(ordered)
    strengths = _unique(said[id(r)] for r in ordered if r["outcome"] == DAT)
    weaknesses = _unique(said[id(r)] for r in ordered if r["outcome"] in (CHUA_DAT, MOT_PHAN))

    lines = list(strengths)
    if weaknesses:
        first, rest = weaknesses[0], weaknesses[1:]
        # The letter only says "Tuy nhiên" when something good was said before it.
        lines.append(HOWEVER + _lower_first(first) if strengths else first)
        lines.extend(rest)

    not_checked = _not_checked_line([r for r in ordered if r["outcome"] == KHONG_KIEM_TRA_DUOC])
    if not_checked:
        lines.append(not_checked)

    codes = procedure_codes(records)
    if codes:
        lines.append(f"(Đã kiểm tra điểm đối với mã TTHC {', '.join(codes)})")
    return lines


def _sentences(records: list[dict[str, Any]]) -> dict[int, str]:
    """Each record's sentence as the paragraph says it. Where one criterion was judged both
    ways on different procedures (đạt on one, chưa đạt on another), each sentence names its
    procedures, "... (mã TTHC 1.001731).", as the letter does when it cites an example:
    otherwise the paragraph would say a thing and its opposite with no way to tell which."""
    judged_by_criterion: dict[str, dict[str, set[str]]] = {}
    for record in records:
        if record["outcome"] in (DAT, MOT_PHAN, CHUA_DAT) and (record.get("code") or "").strip():
            side = "dat" if record["outcome"] == DAT else "khong"
            judged_by_criterion.setdefault(record["criterion"], {}).setdefault(side, set()).add(record["code"].strip())
    mixed = {c for c, sides in judged_by_criterion.items() if len(sides) == 2}
    codes_of: dict[tuple[str, str], list[str]] = {}
    for record in records:
        if record["criterion"] in mixed and record["outcome"] in (DAT, MOT_PHAN, CHUA_DAT):
            key = (record["criterion"], _as_sentence(record["sentence"]))
            codes = codes_of.setdefault(key, [])
            code = (record.get("code") or "").strip()
            if code and code not in codes:
                codes.append(code)
    out: dict[int, str] = {}
    for record in records:
        sentence = _as_sentence(record["sentence"])
        codes = codes_of.get((record["criterion"], sentence))
        if codes and record["outcome"] in (DAT, MOT_PHAN, CHUA_DAT):
            body, end = (sentence[:-1], sentence[-1]) if sentence[-1] in ".!?…" else (sentence, ".")
            sentence = f"{body} (mã TTHC {', '.join(codes)}){end}"
        out[id(record)] = sentence
    return out


def _not_checked_line(records: list[dict[str, Any]]) -> str:
    """"Không kiểm tra được: ký số thành phần hồ sơ, thời gian phản hồi (lý do); ..." with
    criteria grouped by their reason, since one failed step usually blocks several."""
    if not records:
        return ""
    by_reason: dict[str, list[str]] = {}
    for record in records:
        reason = " ".join((record.get("reason") or "").split()).rstrip(".") or "không rõ lý do"
        title = _lower_first(criterion_title(record["criterion"]))
        titles = by_reason.setdefault(reason, [])
        if title not in titles:
            titles.append(title)
    groups = [f"{', '.join(titles)} ({reason})" for reason, titles in by_reason.items()]
    return NOT_CHECKED_PREFIX + "; ".join(groups) + "."


def aggregate_outcome(outcomes: Iterable[str], criterion: str | None = None) -> str:
    """One outcome for a criterion judged on several procedures of a unit.

    A judged outcome outweighs "could not check"; judged outcomes that disagree (passes on
    one procedure, fails on another) make "một phần", as the letter's "một số DVCTT ...",
    except for criteria where one failure fails the unit (``one_failure_fails`` in the registry)."""
    outcomes = list(outcomes)
    judged = {o for o in outcomes if o in (DAT, MOT_PHAN, CHUA_DAT)}
    if CHUA_DAT in judged and criterion is not None and _one_failure_fails(criterion):
        return CHUA_DAT
    if len(judged) == 1:
        return judged.pop()
    if judged:
        return MOT_PHAN
    if KHONG_KIEM_TRA_DUOC in outcomes:
        return KHONG_KIEM_TRA_DUOC
    return KHONG_AP_DUNG


def _one_failure_fails(criterion_id: str) -> bool:
    import checks
    return any(c.id == criterion_id and c.one_failure_fails for c in checks.CRITERIA)


def _name_key(name: str) -> tuple[str, str]:
    # Close enough to Vietnamese dictionary order for a table of unit names, and stable
    # across runs whatever order parallel workers appended the lines in.
    base = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return ("".join(ch for ch in base if not unicodedata.combining(ch)).casefold(), name)


@dataclass
class UnitReport:
    unit: dict[str, Any]
    records: list[dict[str, Any]]  # in criterion order, then first-seen
    codes: list[str]
    lines: list[str]
    outcomes: dict[str, str]  # criterion id -> aggregated outcome, criterion order

    @property
    def id(self) -> str:
        return str(self.unit["id"])

    @property
    def name(self) -> str:
        return str(self.unit.get("name") or self.unit["id"])

    @property
    def section(self) -> str:
        return str(self.unit.get("section") or "")


@dataclass
class RunView:
    run_id: str
    records: list[dict[str, Any]]
    units: list[UnitReport] = field(default_factory=list)  # section order, then by name

    @property
    def criteria(self) -> list[str]:
        """Criterion ids that appear in the run, in the letter's order."""
        return sorted({r["criterion"] for r in self.records}, key=lambda c: (criterion_rank(c), c))

    def totals(self) -> dict[str, int]:
        """Record counts by outcome, one record per (procedure, target, criterion)."""
        counts = {o: 0 for o in (DAT, MOT_PHAN, CHUA_DAT, KHONG_KIEM_TRA_DUOC, KHONG_AP_DUNG)}
        for record in self.records:
            counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
        return counts


def unit_report(unit: dict[str, Any], records: list[dict[str, Any]]) -> UnitReport:
    ordered = sorted(records, key=lambda r: criterion_rank(r["criterion"]))
    by_criterion: dict[str, list[str]] = {}
    for record in ordered:
        by_criterion.setdefault(record["criterion"], []).append(record["outcome"])
    return UnitReport(unit=unit, records=ordered, codes=procedure_codes(records),
                      lines=compose_paragraph(records),
                      outcomes={c: aggregate_outcome(o, c) for c, o in by_criterion.items()})


def read_run(run_dir: Path, known: Iterable[str] = ()) -> RunView:
    """Load a run folder for the writers. Records were masked when written; they are masked
    again here so that a line written by an older or buggy writer cannot leak into a report."""
    run_dir = Path(run_dir)
    records = [mask_record(record, known) for record in read_results(run_dir)]
    run_id = str(records[0].get("run_id") or run_dir.name) if records else run_dir.name

    def section_rank(report: UnitReport) -> int:
        return SECTION_ORDER.index(report.section) if report.section in SECTION_ORDER else len(SECTION_ORDER)

    units = [unit_report(unit, unit_records) for unit, unit_records in iter_units(records)]
    units.sort(key=lambda u: (section_rank(u), _name_key(u.name)))
    return RunView(run_id=run_id, records=records, units=units)
