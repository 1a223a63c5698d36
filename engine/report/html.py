"""The run's report as a small static site, written into the run folder:

    index.html                 summary, changes since the last run, filters (unit, criterion,
                               verdict), the heat map, the letter's appendix (sections I and II)
                               in two views: the 63 provinces of June 2025 / the 34 since 01/7/2025
    don-vi/<unit>.html         a unit: its paragraph, then each criterion with its sentence and
                               evidence (screenshots computer | phone, transition timings, inputs
                               that slipped through validation, the journey's addresses)
    don-vi-2025/<id>.html      a 2025 province (or ministry) that rolls up several of the letter's
    tieu-chi/<criterion>.html  every unit's verdict on one criterion, worst first, its legal basis
    assets/site.css, site.js   the only style and script (filters and the 63/34 switch)

and, when the run lives under ``reports/runs/``, ``reports/index.html``: the runs kept, newest first.

Self-contained because it is mailed, zipped, attached to CI jobs and opened from disk on
phones: no CDN, no font, nothing fetched at view time, every link relative (so the folder can
be moved as a whole, opened from file:// or served by any static server); the screenshots are
the run's own files. Every text is escaped and every record masked (again) before rendering.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterable

from engine.report.paragraph import RunView, read_run
from engine.report.site import pages
from engine.report.site.common import (ASSET_FILES, OUTCOME_SYMBOLS, TITLE, asset_text, badge, esc,  # noqa: F401
                                       format_datetime, write_atomic)
from engine.report.site.evidence import render_evidence, screenshot_src  # noqa: F401 - kept for callers
from engine.report.site.model import (CRITERION_DIR, ROLLUP_DIR, UNIT_DIR, SiteModel, build_model,
                                      criterion_page, rollup_page, unit_page)
from engine.report.site.runs import write_runs_index

_screenshot_src = screenshot_src  # the name earlier versions exported


def _runs_dir(run_dir: Path) -> Path | None:
    """The ``reports/runs`` folder that keeps this run, if it is kept in one."""
    parent = Path(run_dir).resolve().parent
    return parent if parent.name == "runs" else None


def _clear(folder: Path) -> None:
    # Pages of units that left the run must not linger from an earlier build of this folder.
    if folder.is_dir():
        for old in folder.glob("*.html"):
            old.unlink()


def write_site(run_dir: Path, view: RunView, registry: Any | None = None) -> Path:
    """Every page of the run's site; returns the index page."""
    run_dir = Path(run_dir)
    model: SiteModel = build_model(view, registry)
    runs_dir = _runs_dir(run_dir)
    with_runs = runs_dir is not None
    assets = run_dir / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ASSET_FILES:
        write_atomic(assets / name, asset_text(name))
    for folder in (UNIT_DIR, ROLLUP_DIR, CRITERION_DIR):
        _clear(run_dir / folder)
    for unit in view.units:
        write_atomic(run_dir / unit_page(unit.id), pages.unit_page_html(unit, model, run_dir, with_runs))
    for row in model.rollups():
        write_atomic(run_dir / rollup_page(row.key), pages.rollup_page_html(row, model, with_runs))
    for criterion_id in view.criteria:
        write_atomic(run_dir / criterion_page(criterion_id), pages.criterion_page_html(criterion_id, model, with_runs))
    index = run_dir / "index.html"
    write_atomic(index, pages.index_page(model, run_dir, with_runs))
    if runs_dir is not None:
        write_runs_index(runs_dir, current=view)
    return index


def write_html_report(run_dir: Path, known: Iterable[str] = (), view: RunView | None = None) -> Path:
    """Write the run's site into ``run_dir`` (``index.html`` first page) and return the index.
    ``known``: personal strings of the test citizens (names, addresses, birthdays) to mask."""
    run_dir = Path(run_dir)
    view = view or read_run(run_dir, known)
    return write_site(run_dir, view)


def remove_site(run_dir: Path) -> None:
    """The site's files (not the run's results or screenshots): for a clean rebuild."""
    for folder in ("assets", UNIT_DIR, ROLLUP_DIR, CRITERION_DIR):
        shutil.rmtree(Path(run_dir) / folder, ignore_errors=True)
