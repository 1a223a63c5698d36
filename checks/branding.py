"""branding — no outdated agency names: every page the walk saw, against the names retired by
the 2025 reorganisation (the units registry, engine/data/units_registry.yaml)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.units import registry
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc

VN = dt.timezone(dt.timedelta(hours=7))


def normalise(text: str) -> str:
    """Case, Unicode composition, dashes and spacing do not matter ("Lao động – Thương binh")."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = re.sub(r"\s*[-‐‑‒–—]\s*", " - ", text)
    text = re.sub(r"\s*&\s*", "&", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def retired_names() -> list[dict]:
    """Every retired name of the registry with its compiled spellings."""
    entries = []
    for item in registry().retired_names():
        spellings = [item["name"], *item["aliases"]]
        patterns = [re.compile(r"(?<!\w)" + re.escape(normalise(s)) + r"(?!\w)") for s in spellings]
        entries.append({**item, "since": dt.date.fromisoformat(item["since"]), "patterns": patterns})
    return entries


def today() -> dt.date:
    return dt.datetime.now(VN).date()


def names_for(unit_id: str, as_of: dt.date) -> list[dict]:
    """The retired names a portal of ``unit_id`` is judged against on ``as_of``.

    Why not every name everywhere: the sandbox's replica reproduces the 79 units as the letter
    saw them on 05/6/2025, and the letter flagged outdated names only where it says so (Bộ Khoa
    học và Công nghệ, Bộ Nội vụ). The ministries' names were retired on 01/3/2025, before the
    letter, so they count on every portal. The provinces' names were retired on 01/7/2025, after
    it: the replica of "Tỉnh Yên Bái" legitimately shows its own name, and so does a real portal
    of a unit that no longer exists. So a province's name counts only
      - on or after 01/7/2025 (the run's date),
      - on the portal of the 2025 province it was merged into (the id of "Tỉnh Lào Cai" is the
        id of the June-2025 Lào Cai, which kept its name): that portal must not still present
        itself as "Tỉnh Yên Bái"; a merged-away unit's own portal (yen-bai) is not judged on
        province names (it *is* the old unit), nor is an unchanged province, a ministry or a
        lab unit,
      - and only the names merged into that province: another province named on a page (a
        place of birth in a list) is not the portal's branding.
    A replica of an absorbing province (lao-cai as of June 2025) shows its own name, which was
    kept, so it is not flagged either."""
    province = registry().province_2025(unit_id)
    out = []
    for entry in retired_names():
        if as_of < entry["since"]:
            continue
        if entry["kind"] == "province":
            if province is None or province.id != unit_id or unit_id not in entry["now_ids"]:
                continue
        out.append(entry)
    return out


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
    applicable = names_for(ev.unit_id, today())
    found: dict[str, dict] = {}
    for url, text in pages:
        lowered = normalise(text)
        for entry in applicable:
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
