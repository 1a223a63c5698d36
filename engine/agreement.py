"""Agreement between a run and the letter: does the tool find what Công văn 4975/VPCP-KSTT found?

    dvc-conformance agreement <run_dir> [--letter engine/data/letter_4975.yaml] [--units a,b]

For every cell the letter states (unit × criterion, in engine/data/letter_4975.yaml: pass,
partial or fail), the run's verdict on that unit and criterion (several procedures aggregated
as the report does, engine/report/paragraph.py aggregate_outcome) is compared with it:
đạt = pass, một phần = partial, chưa đạt = fail. "không kiểm tra được" and "không áp dụng" on a
stated cell disagree with the letter (the letter did judge it). A stated cell the run has no
record for is "chưa chạy", counted apart and not in the rate. Units are matched by the ids of
the helpers' contract (engine/units.py). Writes ``agreement.json`` into the run folder.

Exit code: 0 every covered stated cell agrees, 1 some do not, 2 nothing to compare (no run, no
stated cell covered) or the letter cannot be read.

    compare(view, letter, units=None) -> {
        "run_id", "letter", "units": [ids] | None,
        "overall": {"agree", "covered", "rate", "not_run", "not_stated"},
        "criteria": [{"id", "title", "agree", "covered", "rate", "not_run"}],   # the letter's order
        "disagreements": [{"unit_id", "unit_name", "criterion", "criterion_title", "letter_verdict",
                           "letter_quote", "tool_outcome", "tool_sentences": ["[code] sentence"]}],
        "not_run": [{"unit_id", "unit_name", "criterion"}]}
"""
from __future__ import annotations

import argparse
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import yaml

from checks.registry import CRITERION_IDS
from engine.report.appendix import format_rate
from engine.report.paragraph import RunView, criterion_rank, criterion_title, read_run
from engine.results import RESULTS_FILE
from engine.units import registry, unit_id
from engine.verdict import CHUA_DAT, DAT, MOT_PHAN, OUTCOME_LABELS

AGREEMENT_FILE = "agreement.json"
EXIT_AGREE, EXIT_DISAGREE, EXIT_NOTHING = 0, 1, 2
LETTER_OF_OUTCOME = {DAT: "pass", MOT_PHAN: "partial", CHUA_DAT: "fail"}
LETTER_LABELS = {"pass": "đạt", "partial": "một phần", "fail": "chưa đạt"}


def default_letter() -> Path:
    return Path(str(resources.files("engine.data").joinpath("letter_4975.yaml")))


def load_letter(path: Path | str | None = None) -> list[dict[str, Any]]:
    """The letter's units with their id (engine/units.py) added."""
    data = yaml.safe_load(Path(path or default_letter()).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("tệp Công văn phải là một danh sách đơn vị")
    out = []
    for entry in data:
        known = registry().by_letter_name(entry["name"])
        out.append({**entry, "id": known.id if known else unit_id(entry["name"], entry["section"])})
    return out


def _rate(agree: int, covered: int) -> str:
    return f"{agree}/{covered} ({format_rate(agree, covered) if covered else '—'})"


def compare(view: RunView, letter: list[dict[str, Any]], units: list[str] | None = None) -> dict[str, Any]:
    reports = {u.id: u for u in view.units}
    wanted = set(units) if units else None
    per_criterion: dict[str, dict[str, int]] = {}
    disagreements: list[dict[str, Any]] = []
    not_run: list[dict[str, Any]] = []
    stated_cells: set[tuple[str, str]] = set()
    for entry in letter:
        if wanted is not None and entry["id"] not in wanted:
            continue
        report = reports.get(entry["id"])
        for criterion, finding in (entry.get("findings") or {}).items():
            if criterion not in CRITERION_IDS or not isinstance(finding, dict) or finding.get("verdict") not in LETTER_LABELS:
                continue  # "other": remarks that fit no criterion
            stated_cells.add((entry["id"], criterion))
            counts = per_criterion.setdefault(criterion, {"agree": 0, "covered": 0, "not_run": 0})
            outcome = report.outcomes.get(criterion) if report else None
            if outcome is None:
                counts["not_run"] += 1
                not_run.append({"unit_id": entry["id"], "unit_name": entry["name"], "criterion": criterion})
                continue
            counts["covered"] += 1
            if LETTER_OF_OUTCOME.get(outcome) == finding["verdict"]:
                counts["agree"] += 1
                continue
            sentences = list(dict.fromkeys(
                (f"[{r['code']}] " if r.get("code") else "") + " ".join(str(r.get("sentence") or "").split())
                for r in report.records if r["criterion"] == criterion))
            disagreements.append({
                "unit_id": entry["id"], "unit_name": entry["name"], "criterion": criterion,
                "criterion_title": criterion_title(criterion), "letter_verdict": finding["verdict"],
                "letter_quote": finding.get("quote", ""), "tool_outcome": outcome, "tool_sentences": sentences})
    # Cells the tool judged on the letter's units where the letter says nothing: not wrong, just counted.
    letter_ids = {e["id"] for e in letter}
    not_stated = sum(1 for u in view.units if u.id in letter_ids and (wanted is None or u.id in wanted)
                     for c, o in u.outcomes.items() if (u.id, c) not in stated_cells and o in LETTER_OF_OUTCOME)
    agree = sum(c["agree"] for c in per_criterion.values())
    covered = sum(c["covered"] for c in per_criterion.values())
    return {
        "run_id": view.run_id,
        "units": sorted(wanted) if wanted is not None else None,
        "overall": {"agree": agree, "covered": covered, "rate": format_rate(agree, covered) if covered else None,
                    "not_run": len(not_run), "not_stated": not_stated},
        "criteria": [{"id": c, "title": criterion_title(c), **per_criterion[c],
                      "rate": format_rate(per_criterion[c]["agree"], per_criterion[c]["covered"])
                      if per_criterion[c]["covered"] else None}
                     for c in sorted(per_criterion, key=criterion_rank)],
        "disagreements": disagreements,
        "not_run": not_run,
    }


def render(result: dict[str, Any]) -> list[str]:
    """The terminal lines, in Vietnamese."""
    lines = [f"So khớp lần chạy {result['run_id']} với Công văn 4975/VPCP-KSTT"
             + (f" (đơn vị: {', '.join(result['units'])})" if result["units"] else "")]
    lines.append("Theo tiêu chí (khớp/đã kiểm tra trong các ô Công văn nêu):")
    width = max((len(c["title"]) for c in result["criteria"]), default=0)
    for c in result["criteria"]:
        extra = f"; chưa chạy: {c['not_run']}" if c["not_run"] else ""
        lines.append(f"  {c['title']:<{width}}  {_rate(c['agree'], c['covered'])}{extra}")
    o = result["overall"]
    lines.append(f"Tổng cộng: {_rate(o['agree'], o['covered'])} ô khớp; chưa chạy: {o['not_run']} ô"
                 + (f"; {o['not_stated']} ô công cụ kết luận mà Công văn không nêu" if o["not_stated"] else ""))
    if result["disagreements"]:
        lines.append(f"Khác với Công văn ({len(result['disagreements'])}):")
        for d in result["disagreements"]:
            lines.append(f"  - {d['unit_name']} — {d['criterion_title']}:")
            lines.append(f"      Công văn: {LETTER_LABELS[d['letter_verdict']]} — “{d['letter_quote']}”")
            tool = OUTCOME_LABELS.get(d["tool_outcome"], d["tool_outcome"])
            said = d["tool_sentences"] or [""]
            lines.append(f"      Công cụ:  {tool} — {said[0]}")
            lines.extend(f"                {s}" for s in said[1:])
    return lines


def run_agreement(run_dir: Path | str, letter_path: Path | str | None = None,
                  units: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    run_dir = Path(run_dir)
    if not (run_dir / RESULTS_FILE).exists():
        say(f"{run_dir}: không có {RESULTS_FILE}")
        return EXIT_NOTHING
    try:
        letter = load_letter(letter_path)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as error:
        say(f"Không đọc được tệp Công văn {letter_path}: {error}")
        return EXIT_NOTHING
    unknown = sorted(set(units or ()) - {entry["id"] for entry in letter})
    if unknown:  # a typo in --units would otherwise pass as "nothing disagrees"
        say(f"Công văn không có đơn vị: {', '.join(unknown)}")
    result = compare(read_run(run_dir), letter, units)
    result["letter"] = str(letter_path or default_letter())
    path = run_dir / AGREEMENT_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    for line in render(result):
        say(line)
    say(f"Đã ghi {path}")
    overall = result["overall"]
    if not overall["covered"]:
        say("Không có ô nào Công văn nêu mà lần chạy đã kiểm tra: không có gì để so khớp.")
        return EXIT_NOTHING
    return EXIT_AGREE if overall["agree"] == overall["covered"] else EXIT_DISAGREE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="thư mục của lần chạy (có results.jsonl)")
    parser.add_argument("--letter", help="kết luận của Công văn dạng YAML (mặc định: engine/data/letter_4975.yaml)")
    parser.add_argument("--units", help="chỉ các đơn vị này (mã đơn vị, phân cách bằng dấu phẩy)")


def main_args(args: argparse.Namespace) -> int:
    units = [u.strip() for u in args.units.split(",") if u.strip()] if args.units else None
    return run_agreement(args.run_dir, args.letter, units)
