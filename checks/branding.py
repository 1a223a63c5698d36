"""branding — no outdated agency names: every page the walk saw, against the names retired by
the 2025 reorganisation (engine/data/retired_names.yaml)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import yaml

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc


def normalise(text: str) -> str:
    """Case, Unicode composition, dashes and spacing do not matter ("Lao động – Thương binh")."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = re.sub(r"\s*[-‐‑‒–—]\s*", " - ", text)
    text = re.sub(r"\s*&\s*", "&", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def retired_names() -> list[dict]:
    raw = yaml.safe_load(resources.files("engine.data").joinpath("retired_names.yaml").read_text(encoding="utf-8"))
    entries = []
    for group in ("ministries", "provinces"):
        for item in raw.get(group) or []:
            spellings = [item["name"], *(item.get("aliases") or [])]
            patterns = [re.compile(r"(?<!\w)" + re.escape(normalise(s)) + r"(?!\w)") for s in spellings]
            entries.append({"name": item["name"], "now": item.get("now", ""), "patterns": patterns})
    return entries


def pages_seen(ev: Evidence) -> list[tuple[str, str]]:
    """(url, title + text) of every page the walk observed."""
    seen = []
    for page in [ev.landing, *ev.before_form, ev.form, *[r.page for r in ev.steps]]:
        if page is not None:
            seen.append((page.url, f"{page.title} {page.text}"))
    submitted = ev.submission.get("page")
    if submitted:
        seen.append((submitted.get("url", ""), f"{submitted.get('title', '')} {submitted.get('text', '')}"))
    return seen


@check("branding")
def branding(ev: Evidence, ctx: CheckContext) -> Verdict:
    pages = pages_seen(ev)
    if not pages:
        return khong_kiem_tra_duoc(ev.stopped or "không quan sát được trang nào của đơn vị")
    found: dict[str, dict] = {}
    for url, text in pages:
        lowered = normalise(text)
        for entry in retired_names():
            for pattern in entry["patterns"]:
                match = pattern.search(lowered)
                if match and entry["name"] not in found:
                    start = max(0, match.start() - 40)
                    found[entry["name"]] = {"name": entry["name"], "now": entry["now"], "url": url,
                                            "context": lowered[start:match.end() + 40]}
    facts = {"pages": [url for url, _ in pages], "retired_names": list(found.values()),
             "screenshot": (ev.form or ev.landing).screenshot if (ev.form or ev.landing) else None}
    unit = ctx.unit_name
    if found:
        names = "; ".join(f"“{f['name']}” (nay là {f['now']})" if f["now"] else f"“{f['name']}”" for f in found.values())
        return chua_dat(f"Hệ thống của {unit} vẫn để tên cơ quan đã được sắp xếp lại năm 2025: {names}.", **facts)
    return dat(f"Hệ thống của {unit} đã cập nhật tên cơ quan, đơn vị theo sắp xếp năm 2025.", **facts)
