"""What every page of the report site shares: escaping, dates and numbers written the
Vietnamese way, verdict badges, and the page shell (the site's own CSS and script, both
files in ``assets/``: no CDN, no font, nothing fetched at view time)."""
from __future__ import annotations

import html
import os
import re
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from engine.verdict import CHUA_DAT, DAT, KHONG_AP_DUNG, KHONG_KIEM_TRA_DUOC, MOT_PHAN, OUTCOME_LABELS, OUTCOMES

TITLE = "Kết quả kiểm tra điểm chất lượng cung cấp dịch vụ công trực tuyến toàn trình"
SHORT_TITLE = "Báo cáo kiểm tra DVCTT"

# A symbol next to every label, so a verdict reads without its colour (and in print).
OUTCOME_SYMBOLS = {DAT: "✓", MOT_PHAN: "◐", CHUA_DAT: "✗", KHONG_KIEM_TRA_DUOC: "?", KHONG_AP_DUNG: "–"}
NO_RESULT_SYMBOL = "·"
NO_RESULT_LABEL = "chưa kiểm tra"
# Worst first: what an inspector reads first on a criterion's page. "Could not check" sits
# between the judged failures and the passes: it is a gap in the evidence, not a finding.
WORST_FIRST = (CHUA_DAT, MOT_PHAN, KHONG_KIEM_TRA_DUOC, DAT, KHONG_AP_DUNG)

ASSET_FILES = ("site.css", "site.js")


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def format_datetime(value: str | None, seconds: bool = True) -> str:
    """An ISO timestamp or a run id (20261204-153000) as dd/mm/yyyy HH:MM[:SS]; the raw
    value when it is neither."""
    if not value:
        return ""
    pattern = "%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M"
    for parse in (datetime.fromisoformat, lambda v: datetime.strptime(v, "%Y%m%d-%H%M%S")):
        try:
            return parse(value).strftime(pattern)
        except ValueError:
            continue
    return value


def run_time(run_id: str, seconds: bool = True) -> str:
    """A run's name (its start, yyyymmdd-hhmmss) as a reader writes dates; other names as they are."""
    return format_datetime(run_id, seconds) if re.fullmatch(r"\d{8}-\d{6}", run_id or "") else (run_id or "")


def number(value: Any) -> str:
    # Vietnamese writes the decimal comma, as the letter's "31,6%".
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def rate(provided: int | None, total: int | None) -> str:
    """The letter's rate: one decimal, a comma, a percent sign ("31,6%"); "—" without a total."""
    if not total or provided is None:
        return "—"
    return f"{provided * 100 / total:.1f}".replace(".", ",") + "%"


def outcome_label(outcome: str | None) -> str:
    return OUTCOME_LABELS.get(outcome or "", NO_RESULT_LABEL)


def badge(outcome: str, href: str | None = None) -> str:
    label = f"{OUTCOME_SYMBOLS.get(outcome, '')} {OUTCOME_LABELS.get(outcome, outcome)}".strip()
    if href:
        return f'<a class="badge {esc(outcome)}" href="{esc(href)}">{esc(label)}</a>'
    return f'<span class="badge {esc(outcome)}">{esc(label)}</span>'


def legend() -> str:
    items = "".join(f'<li><span class="cell-key {esc(o)}" aria-hidden="true">{OUTCOME_SYMBOLS[o]}</span> '
                    f'<span class="badge {esc(o)}">{esc(OUTCOME_LABELS[o])}</span></li>' for o in OUTCOMES)
    items += (f'<li><span class="cell-key none" aria-hidden="true">{NO_RESULT_SYMBOL}</span> '
              f"{NO_RESULT_LABEL}</li>")
    return f'<ul class="legend" aria-label="Chú giải">{items}</ul>'


def slug(text: str) -> str:
    """The contract's unit slug (diacritics stripped, "đ" -> "d", runs of others -> "-")."""
    import unicodedata
    base = unicodedata.normalize("NFD", (text or "").replace("Đ", "D").replace("đ", "d"))
    base = "".join(ch for ch in base if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", base).strip("-")


def file_name(identifier: str) -> str:
    """A page name safe on every file system and in URLs, from a unit or criterion id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", identifier).strip("-.") or "_"


def asset_text(name: str) -> str:
    return resources.files("engine.report").joinpath("assets", name).read_text(encoding="utf-8")


def page(title: str, body: str, *, root: str = "", nav: str = "", run_label: str = "") -> str:
    """A whole page. ``root``: the relative way back to the run folder ("" or "../")."""
    return ('<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            # An empty icon: otherwise the browser asks the disk for /favicon.ico and logs an error.
            '<link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="{root}assets/site.css">'
            f"<title>{esc(title)}</title></head><body>"
            '<a class="skip" href="#noi-dung">Bỏ qua, đến nội dung chính</a>'
            f'<header class="site"><nav aria-label="Điều hướng chính">{nav}</nav>'
            + (f'<p class="run">{esc(run_label)}</p>' if run_label else "")
            + f'</header><main id="noi-dung" tabindex="-1">{body}</main>'
            f'<script src="{root}assets/site.js"></script></body></html>\n')


def scroll(table: str, label: str) -> str:
    """A wide table scrolls inside its own box (a phone never scrolls the whole page sideways);
    the box is focusable so that a keyboard can scroll it."""
    return f'<div class="scroll" role="region" aria-label="{esc(label)}" tabindex="0">{table}</div>'


def write_atomic(path: Path, text: str) -> None:
    # Someone may have the page open while the nightly run rebuilds it.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
