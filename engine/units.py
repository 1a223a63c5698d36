"""The registry of units: the letter's 79 units of June 2025, the sandbox's lab units, the 34
provinces in force since 01/7/2025 and the agency names the 2025 reorganisation retired.

One file of data (engine/data/units_registry.yaml) feeds the scenario loader (which units a
target may name), the branding check (which names are outdated), the appendix (the letter's
order and numbering, the 2025 roll-up) and the agreement with the letter (unit ids).

    from engine.units import registry, slugify
    reg = registry()                      # cached
    reg.get(unit_id) -> UnitInfo | None   # the 79 letter units and the sandbox lab units
    reg.units(section=None) -> list[UnitInfo]          # the letter's order, lab units last
    reg.provinces_2025() -> list[Province2025]         # 34, in the published order
    reg.province_2025(unit_id) -> Province2025 | None  # the 2025 province a June-2025 unit is part of
    reg.retired_names() -> list[{name, aliases, now, now_ids, kind: "ministry"|"province",
                                 since: "2025-03-01"|"2025-07-01" (no longer in force from)}]
    reg.by_letter_name(name) -> UnitInfo | None        # "Tỉnh Bà Rịa - Vũng Tàu" -> ba-ria-vung-tau

Ids (the contract between helpers): ``slugify`` of the full name for ministries, of the name
without its leading "TP " / "Tỉnh " for provinces (``unit_id``).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

REGISTRY_FILE = "units_registry.yaml"
#: Extra lab units (section sandbox) may still be declared in the old file; the registry adds them.
EXTRA_UNITS_FILE = "units.yaml"

SECTIONS = ("bo", "dia_phuong", "sandbox")
#: When the retired names stopped being in force (Nghị quyết 176/2025/QH15: the ministries from
#: 01/3/2025; Nghị quyết 202/2025/QH15: the provinces from 01/7/2025).
MINISTRIES_RETIRED_ON = dt.date(2025, 3, 1)
PROVINCES_RETIRED_ON = dt.date(2025, 7, 1)

_PROVINCE_PREFIX = re.compile(r"^(TP|Tỉnh)\s+")


def slugify(name: str) -> str:
    """NFD-strip diacritics, "đ/Đ" -> "d", lowercase, runs of non [a-z0-9] -> "-", trimmed."""
    base = unicodedata.normalize("NFD", (name or "").replace("Đ", "D").replace("đ", "d"))
    base = "".join(ch for ch in base if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", base).strip("-")


def unit_id(name: str, section: str) -> str:
    """The id of a unit of the letter: provinces lose their "TP " / "Tỉnh " first."""
    if section == "dia_phuong":
        name = _PROVINCE_PREFIX.sub("", name.strip())
    return slugify(name)


@dataclass(frozen=True)
class UnitInfo:
    id: str
    name: str  # as the letter (or the sandbox) names it
    section: str  # "bo" | "dia_phuong" | "sandbox"
    stt: int | None = None  # the letter's TT within its section
    province_2025: str | None = None  # dia_phuong: id of the province it belongs to since 01/7/2025
    name_2025: str = ""  # the name in force now (a merged-away province: its 2025 province's)
    # Names retired in 2025 whose successor is this unit's 2025 entity: what a portal of this
    # unit must no longer show once the name stopped being in force.
    retired_names: list[str] = field(default_factory=list)

    def as_record(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "section": self.section}


@dataclass(frozen=True)
class Province2025:
    id: str
    name: str
    merged_from: list[str]  # June-2025 unit ids, its namesake first (an unchanged province: itself)

    @property
    def merged(self) -> bool:
        return len(self.merged_from) > 1


class Registry:
    def __init__(self, data: dict[str, Any], extra_units: dict[str, Any] | None = None) -> None:
        self._provinces = [Province2025(p["id"], p["name"], list(p["merged_from"]))
                           for p in data.get("provinces_2025") or []]
        self._province_of = {uid: p for p in self._provinces for uid in p.merged_from}
        retired = data.get("retired_names") or {}
        self._retired: list[dict[str, Any]] = []
        for kind, since in (("ministries", MINISTRIES_RETIRED_ON), ("provinces", PROVINCES_RETIRED_ON)):
            for item in retired.get(kind) or []:
                self._retired.append({"name": item["name"], "aliases": list(item.get("aliases") or []),
                                      "now": item.get("now", ""), "now_ids": list(item.get("now_ids") or []),
                                      "kind": "ministry" if kind == "ministries" else "province",
                                      "since": since.isoformat()})
        raw_units = list(data.get("units") or [])
        known = {u["id"] for u in raw_units}
        for uid, u in (extra_units or {}).items():
            if uid not in known:
                raw_units.append({"id": uid, "name": u["name"], "section": u.get("section", "sandbox")})
        self._units: dict[str, UnitInfo] = {}
        for u in raw_units:
            self._units[u["id"]] = self._info(u)

    def _info(self, u: dict[str, Any]) -> UnitInfo:
        section = u["section"]
        province = self._province_of.get(u["id"]) if section == "dia_phuong" else None
        successor = province.id if province else u["id"]
        names = [spelling for entry in self._retired if successor in entry["now_ids"]
                 for spelling in (entry["name"], *entry["aliases"])]
        return UnitInfo(id=u["id"], name=u["name"], section=section, stt=u.get("stt"),
                        province_2025=province.id if province else None,
                        name_2025=province.name if province else u["name"], retired_names=names)

    def get(self, unit_id: str) -> UnitInfo | None:
        return self._units.get(unit_id)

    def units(self, section: str | None = None) -> list[UnitInfo]:
        """In the letter's order: ministries by TT, provinces by TT, then lab units as declared."""
        def key(u: UnitInfo) -> tuple[int, int]:
            rank = SECTIONS.index(u.section) if u.section in SECTIONS else len(SECTIONS)
            return rank, u.stt if u.stt is not None else 10_000
        listed = sorted(self._units.values(), key=key)  # stable: lab units keep their order
        return [u for u in listed if section is None or u.section == section]

    def provinces_2025(self) -> list[Province2025]:
        return list(self._provinces)

    def province_2025(self, unit_id: str) -> Province2025 | None:
        return self._province_of.get(unit_id)

    def retired_names(self) -> list[dict[str, Any]]:
        return [dict(entry, aliases=list(entry["aliases"]), now_ids=list(entry["now_ids"]))
                for entry in self._retired]

    def by_letter_name(self, name: str) -> UnitInfo | None:
        for section in ("bo", "dia_phuong"):
            unit = self._units.get(unit_id(name, section))
            if unit is not None and unit.section == section:
                return unit
        return None


def _read(name: str) -> Any:
    path = resources.files("engine.data").joinpath(name)
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def registry() -> Registry:
    return Registry(_read(REGISTRY_FILE) or {}, _read(EXTRA_UNITS_FILE) or {})
