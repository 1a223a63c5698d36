"""Report writers: they read a run folder's ``results.jsonl`` and nothing else.

    build_reports(run_dir)  -> {"html": run_dir/index.html, "json": run_dir/summary.json}
                               (also writes run_dir/phu-luc.docx, the letter's table, when
                               python-docx is installed: a binary file, so not among the text
                               reports returned)
    summary_line(run_dir)   -> "6 đơn vị, 4 tiêu chí: 15 đạt, ... — báo cáo: .../index.html"

``known`` (optional everywhere): personal strings of the test citizens (names, addresses,
dates of birth) to mask on top of ID numbers, phones and emails.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from typing import Any

from engine.report.json_summary import write_json_summary
from engine.report.paragraph import compose_paragraph, read_run
from engine.report.word import write_word_appendix
from engine.verdict import OUTCOME_LABELS, OUTCOMES, KHONG_AP_DUNG

__all__ = ["build_reports", "summary_line", "compose_paragraph", "read_run",
           "write_html_report", "write_json_summary", "write_word_appendix"]


def __getattr__(name: str) -> Any:
    # The HTML site is imported when first used: the data modules of this package (paragraph,
    # appendix, used by ``agreement`` and the sweep) need none of its templates.
    if name == "write_html_report":
        from engine.report.html import write_html_report
        return write_html_report
    raise AttributeError(name)


def build_reports(run_dir: Path, known: Iterable[str] = ()) -> dict[str, Path]:
    """Write every report format into the run folder; the run is read (and masked) once."""
    run_dir = Path(run_dir)
    view = read_run(run_dir, known)
    from engine.report.history import write_history
    history = write_history(run_dir)  # before the HTML, which shows it
    write_word_appendix(run_dir, view=view)  # the letter's table, for inspectors' own letters
    from engine.report.html import write_html_report
    return {**({"history": history} if history else {}),
        "html": write_html_report(run_dir, view=view),
        "json": write_json_summary(run_dir, view=view),
    }


def _display_path(path: Path) -> str:
    # Relative to where the command was typed when it lies below it: shorter, and clickable.
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def summary_line(run_dir: Path) -> str:
    """A one-line Vietnamese summary of the run for the terminal."""
    run_dir = Path(run_dir)
    view = read_run(run_dir)
    if not view.records:
        return f"Chưa có kết quả nào trong {_display_path(run_dir)}"
    totals = view.totals()
    shown = [o for o in OUTCOMES if o != KHONG_AP_DUNG or totals.get(o)]
    counts = ", ".join(f"{totals.get(o, 0)} {OUTCOME_LABELS[o]}" for o in shown)
    return (f"{len(view.units)} đơn vị, {len(view.criteria)} tiêu chí: {counts}"
            f" — báo cáo: {_display_path(run_dir / 'index.html')}")
