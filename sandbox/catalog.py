"""The full-online catalog: tens of declared services per unit, some broken.

procedures.yaml holds the hand-written procedures the browser journeys walk (2.000635);
this module adds, deterministically, what a real catalog looks like around them: every
unit declares a few dozen full-online services on the national portal, drawn from a shared
pool of generated procedures, and a share of them does not work (see data/catalog.yaml for
the kinds). Some units run a second system on a host of their own, where part of their
services live. Nothing of the hand-written procedures changes.
"""
from __future__ import annotations

import copy
import random
from pathlib import Path

from .config import DATA, DEFAULT_KNOBS, ProfileError, Unit, load_yaml

FAULT_KINDS = ("missing", "not_found", "home", "error500", "other_unit", "other_system")
CATALOG_FILE = DATA / "catalog.yaml"
SECOND_SYSTEM_SUFFIX = "~he-thong-2"


def load_spec(path: Path | None = None) -> dict:
    spec = load_yaml(path or CATALOG_FILE) or {}
    for key in ("seed", "pool", "declared", "faults", "actions", "objects"):
        if key not in spec:
            raise ProfileError(f"{path or CATALOG_FILE}: missing `{key}`")
    if spec["pool"] > len(spec["actions"]) * len(spec["objects"]):
        raise ProfileError(f"{path or CATALOG_FILE}: pool larger than actions × objects")
    return spec


def _new_code(rng: random.Random, used: set[str]) -> str:
    """A procedure code d.dddddd not in `used`, added to it so the next one differs."""
    while True:
        code = f"{rng.choice('123')}.{rng.randrange(0, 1_000_000):06d}"
        if code not in used:
            used.add(code)
            return code


def generate_pool(spec: dict, taken: set[str]) -> dict[str, dict]:
    """The shared pool: {MaTTHC: procedure}, codes d.dddddd not among `taken`."""
    rng = random.Random(f"{spec['seed']}:pool")
    names = [f"{a} {o}" for o in spec["objects"] for a in spec["actions"]]
    rng.shuffle(names)
    pool: dict[str, dict] = {}
    used = set(taken)
    for name in names[: spec["pool"]]:
        code = _new_code(rng, used)
        pool[code] = {
            "MaTTHC": code, "TenTTHC": name, "generated": True,
            "fields": [{"id": "noi_dung", "label": "Nội dung đề nghị", "type": "text", "required": True}],
            "documents": [{"id": "don_de_nghi", "name": "Đơn đề nghị (bản chụp)", "required": True},
                          {"id": "giay_to_khac", "name": "Giấy tờ khác (nếu có)", "required": False}],
        }
    return pool


def generate_replica_pool(spec: dict, taken: set[str]) -> dict[str, dict]:
    """The replica's pool: the letter's units list up to ~700 procedures each, more than
    actions × objects give; the same names at the levels a real catalog repeats them at
    (the national database has one procedure per level). Codes avoid `taken`."""
    own = spec.get("replica_pool") or {}
    size, levels = int(own.get("size", 720)), list(own.get("levels") or [""])
    rng = random.Random(f"{own.get('seed', spec['seed'])}:replica-pool")
    names = [f"{a} {o}{lvl}" for lvl in levels for o in spec["objects"] for a in spec["actions"]]
    if size > len(names):
        raise ProfileError(f"{CATALOG_FILE}: replica_pool.size larger than actions × objects × levels")
    rng.shuffle(names)
    pool: dict[str, dict] = {}
    used = set(taken)
    for name in names[:size]:
        code = _new_code(rng, used)
        pool[code] = {
            "MaTTHC": code, "TenTTHC": name, "generated": True, "lab": False,
            "fields": [{"id": "noi_dung", "label": "Nội dung đề nghị", "type": "text", "required": True}],
            "documents": [{"id": "don_de_nghi", "name": "Đơn đề nghị (bản chụp)", "required": True},
                          {"id": "giay_to_khac", "name": "Giấy tờ khác (nếu có)", "required": False}],
        }
    return pool


#: Per-service faults of a replica unit's hand-written procedures (catalog `services:`): the
#: same hand-off behaviours as the generated services' (see unit.py), "missing" when the
#: unit's system does not have the procedure at all (the unit does not list it in `procedures`).
SERVICE_FAULTS = ("home", "not_found", "error500", "missing")


def _replica_catalog(unit: Unit, spec: dict, pool_codes: list[str], procedures: dict) -> list[str]:
    """A unit of the letter (catalog with `listed`): the national portal lists `listed`
    procedures of the unit (the letter's total), of which the full-online ones have a
    "Nộp trực tuyến" link; `provided` of those work (the letter's provided). The unit's
    hand-written procedures come first; generated ones fill the counts. Returns the codes of
    the generated services that live on a second system."""
    own = unit.catalog or {}
    unknown = set(own) - {"listed", "provided", "services", "faults", "online"}
    if unknown:
        raise ProfileError(f"unit {unit.id}: catalog: unknown key(s) {sorted(unknown)}")
    listed, provided = own.get("listed"), own.get("provided", 0)
    if not (isinstance(listed, int) and isinstance(provided, int) and 0 <= provided <= max(listed, 0)):
        raise ProfileError(f"unit {unit.id}: catalog: listed/provided must be numbers, provided <= listed")
    services = {str(k): v for k, v in (own.get("services") or {}).items()}
    for code, kind in services.items():
        if kind not in SERVICE_FAULTS:
            raise ProfileError(f"unit {unit.id}: catalog: services: {code}: unknown fault {kind!r}; "
                               f"known: {', '.join(SERVICE_FAULTS)}")
        if code not in procedures:
            raise ProfileError(f"unit {unit.id}: catalog: services: unknown procedure {code!r}")
        if kind == "missing" and code in unit.procedures:
            raise ProfileError(f"unit {unit.id}: catalog: {code} is `missing` but listed in procedures")
    hand = list(dict.fromkeys(unit.procedures + list(services)))
    online = bool(own.get("online", True))
    hand_online = hand if online else []
    hand_listed = [] if online or listed < len(hand) else hand
    working = [c for c in hand_online if c in unit.procedures and c not in services]
    gen_online = max(0, provided - len(working))
    gen_listed = max(0, listed - len(hand_online) - len(hand_listed) - gen_online)
    if gen_online + gen_listed > len(pool_codes):
        raise ProfileError(f"unit {unit.id}: catalog: more procedures than the replica pool holds")
    rng = random.Random(f"{spec['seed']}:replica:{unit.id}")
    chosen = rng.sample(pool_codes, gen_online + gen_listed)
    gen_on, gen_off = sorted(chosen[:gen_online]), sorted(chosen[gen_online:])
    shares = own.get("faults", "none")
    if shares in ("none", None):
        shares = {}
    if not isinstance(shares, dict) or set(shares) - {"other_system"}:
        # the letter's provided count is what works: only a second system (which works) may
        # take a share of a replica unit's generated services
        raise ProfileError(f"unit {unit.id}: catalog: faults of a replica unit: `none` or {{other_system: share}}")
    n_second = round(float(shares.get("other_system", 0.0)) * len(gen_on))
    order = gen_on[:]
    rng.shuffle(order)
    second_codes = sorted(order[:n_second])
    faults = {c: k for c, k in services.items() if k != "missing"}
    faults.update({c: "other_system" for c in second_codes})
    unit.faults = faults
    unit.declared = hand_online + gen_on
    unit.listed = hand_listed + gen_off
    unit.procedures = unit.procedures + [c for c in gen_on if c not in second_codes]
    return second_codes


def _unit_settings(unit: Unit, spec: dict) -> tuple[int, dict[str, float]]:
    own = unit.catalog or {}
    if not isinstance(own, dict):
        raise ProfileError(f"unit {unit.id}: `catalog` must be a mapping")
    unknown = set(own) - {"declared", "faults"}
    if unknown:
        raise ProfileError(f"unit {unit.id}: catalog: unknown key(s) {sorted(unknown)}")
    declared = own.get("declared", spec["declared"])
    rng = random.Random(f"{spec['seed']}:{unit.id}:count")
    if isinstance(declared, list) and len(declared) == 2:
        count = rng.randint(int(declared[0]), int(declared[1]))
    elif isinstance(declared, int) and declared >= 0:
        count = declared
    else:
        raise ProfileError(f"unit {unit.id}: catalog: declared must be a number or [low, high]")
    # units differ: the default shares are scaled per unit (0.3× to 2.5×, drawn from its id)
    factor = rng.uniform(0.3, 2.5)
    faults = {kind: share * factor for kind, share in spec["faults"].items()}
    own_faults = own.get("faults", {})
    if own_faults in ("none", None):
        faults = {k: 0.0 for k in faults}
    elif isinstance(own_faults, dict):
        faults.update(own_faults)
    else:
        raise ProfileError(f"unit {unit.id}: catalog: faults must be a mapping or `none`")
    for kind, share in faults.items():
        if kind not in FAULT_KINDS:
            raise ProfileError(f"unit {unit.id}: catalog: unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ProfileError(f"unit {unit.id}: catalog: fault {kind} share must be between 0 and 1")
    if sum(faults.values()) > 1:
        raise ProfileError(f"unit {unit.id}: catalog: fault shares add up to more than 1")
    return count, faults


def apply_catalog(units: list[Unit], procedures: dict[str, dict], spec: dict | None = None) -> list[Unit]:
    """Add the generated services to `procedures` and to each unit (declared, served,
    faults, misroutes). Returns the second systems (one Unit each, conforming knobs, serving
    the services its parent hands over to it), in the order of their parents."""
    spec = spec or load_spec()
    pool = generate_pool(spec, set(procedures))
    codes = list(pool)
    replica = [u for u in units if isinstance(u.catalog, dict) and "listed" in u.catalog]
    replica_codes: list[str] = []
    if replica:
        replica_pool = generate_replica_pool(spec, set(procedures) | set(pool))
        replica_codes = list(replica_pool)
        procedures.update(replica_pool)
    procedures.update(pool)
    seconds: list[Unit] = []
    for unit in units:
        if unit in replica:
            second_codes = _replica_catalog(unit, spec, replica_codes, procedures)
            if second_codes:
                unit.second_system = _second_system(unit, second_codes)
                seconds.append(unit.second_system)
            continue
        count, shares = _unit_settings(unit, spec)
        rng = random.Random(f"{spec['seed']}:{unit.id}")
        chosen = sorted(rng.sample(codes, min(count, len(codes))))
        order = chosen[:]
        rng.shuffle(order)
        faults: dict[str, str] = {}
        for kind in FAULT_KINDS:
            n = round(shares.get(kind, 0.0) * len(chosen))
            for code in order[:n]:
                faults[code] = kind
            order = order[n:]
        if "other_unit" in faults.values():
            target = next((u for u in units if u.id != unit.id), None)
            for code, kind in list(faults.items()):
                if kind != "other_unit":
                    continue
                if target is None:
                    faults.pop(code)
                else:
                    unit.misroute[code] = target.id
        second_codes = [c for c in chosen if faults.get(c) == "other_system"]
        unit.declared = unit.declared + chosen
        unit.procedures = unit.procedures + [c for c in chosen if faults.get(c) not in ("missing", "other_system")]
        unit.faults = faults
        if second_codes:
            unit.second_system = _second_system(unit, second_codes)
            seconds.append(unit.second_system)
    return seconds


def _second_system(unit: Unit, codes: list[str]) -> Unit:
    """The unit's second system: a conforming portal of its own serving `codes`."""
    return Unit(id=unit.id + SECOND_SYSTEM_SUFFIX, name=f"Hệ thống một cửa điện tử ({unit.name})",
                index=unit.index, code=unit.code, agencies=copy.deepcopy(unit.agencies),
                procedures=list(codes), knobs=copy.deepcopy(DEFAULT_KNOBS),
                national_name=unit.national_name, declared=[], section=unit.section, stt=unit.stt)
