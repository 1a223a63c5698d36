"""Data loading: citizens, procedure catalog, unit profiles (with knob validation)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEFAULT_PROFILES = HERE / "profiles.yaml"

# Conforming defaults. A profile's `knobs:` overrides only what departs from these.
DEFAULT_KNOBS: dict = {
    "login": "sso",                    # sso | local_login (hand-off shows the unit's own login page)
    "local_accounts": False,           # login page offers username/password besides VNeID
    "require_registration": False,     # "Đăng ký tài khoản" page after SSO
    "require_password_change": False,  # "Đổi mật khẩu" page after SSO
    "prefill": True,                   # step 1/2 prefilled from the identity provider's claims
    "handoff": "form",                 # form | home | not_found | flaky | timeout | error500 |
                                       # reset | slow_first_byte | redirect_loop
    "handoff_flaky_every": 3,          # flaky: every n-th hand-off lands on the home page
    "handoff_delay_s": 0,              # timeout / slow_first_byte: seconds before answering
    "require_cccd_upload": False,      # documents step asks for "Căn cước công dân (bản chụp)"
    "eform": True,                     # False: download the form, upload it filled
    "esign": "working",                # working | broken | none
    "phone_validation": "full",        # full | length | none
    "email_validation": "full",        # full | none
    "identity_crosscheck": True,       # identity readonly + checked against the population DB
    "required_checks": True,           # empty required field/file refused with a message
    "drafts": "autosave",              # autosave | back_only | none
    "guidance": "full",                # full | same_documents | none
    "mobile": True,                    # False: no viewport meta, fixed 1280px layout
    "slow_step": None,                 # {"step": n, "seconds": s}: GET of step n is slow
    "submit_failure": "never",         # never | every_2nd | always
    "header_name": None,               # name shown in the unit's header instead of its name
    "public_lookup": "status_only",    # status_only | full_details
    "progress_page": True,             # /ho-so/<code> with the status history
    "progress_frozen": False,          # the dossier page keeps showing the first status
    "result_storage": "signed",        # signed | unsigned | none
    "bot_challenge": False,            # every page is a JS challenge page
    "session_expiry_after_step": None, # n: the session expires when leaving step n
    "freeze_step": None,               # n: step n's page runs a script that never ends (paged)
    "family": "paged",                 # paged | formio | eform: the portal software (sandbox/families)
}

CHOICES = {
    "login": {"sso", "local_login"},
    "handoff": {"form", "home", "not_found", "flaky", "timeout", "error500", "reset",
                "slow_first_byte", "redirect_loop"},
    "esign": {"working", "broken", "none"},
    "phone_validation": {"full", "length", "none"},
    "email_validation": {"full", "none"},
    "drafts": {"autosave", "back_only", "none"},
    "guidance": {"full", "same_documents", "none"},
    "submit_failure": {"never", "every_2nd", "always"},
    "public_lookup": {"status_only", "full_details"},
    "result_storage": {"signed", "unsigned", "none"},
    "family": {"paged", "formio", "eform"},
}


class ProfileError(ValueError):
    pass


@dataclass
class Unit:
    id: str
    name: str
    index: int
    code: str                      # unit code used in dossier numbers, e.g. "H00"
    agencies: list[dict]
    procedures: list[str]
    knobs: dict
    national_name: str = ""
    base_url: str = ""             # set once the port is known
    host: str = ""
    # The catalog (sandbox/catalog.py): what the national portal lists for this unit
    # (`declared`, a superset of the `procedures` it really serves), per-service faults of
    # the generated services, services whose national link points at another unit's portal
    # (`misroute`: MaTTHC -> unit id), and the unit's second system, if any.
    declared: list[str] = field(default_factory=list)
    faults: dict[str, str] = field(default_factory=dict)
    misroute: dict[str, str] = field(default_factory=dict)
    catalog: dict | None = None    # the profile's `catalog:` settings, as written
    second_system: "Unit | None" = None
    # The replica (replica.yaml): the letter's section ("bo" | "dia_phuong") and numbering,
    # and what the national portal lists for the unit without a full-online link (`listed`:
    # procedures of the unit that are not full-online, counted in the letter's "total").
    section: str = ""
    stt: int | None = None
    listed: list[str] = field(default_factory=list)

    def k(self, name):
        return self.knobs[name]


def load_yaml(path: Path):
    # libyaml's loader when there is one: the replica's files take ~1 s with the pure-Python one
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_citizens(path: Path | None = None) -> dict[str, dict]:
    data = load_yaml(path or DATA / "citizens.yaml")
    return {str(c["SoDinhDanh"]): {k: str(v) for k, v in c.items()} for c in data}


def load_procedures(path: Path | None = None) -> dict[str, dict]:
    data = load_yaml(path or DATA / "procedures.yaml")
    return {str(p["MaTTHC"]): p for p in data}


def lab_procedures(procedures: dict[str, dict]) -> list[str]:
    """The hand-written procedures a lab profile offers when it lists none: all but those
    marked `lab: false` (added for the replica's units)."""
    return [code for code, p in procedures.items() if p.get("lab", True) and not p.get("generated")]


def load_units(path: Path | None, procedures: dict[str, dict], offset: int = 0,
               only: list[str] | None = None) -> list[Unit]:
    """The units of a profiles file (profiles.yaml, replica.yaml). `offset`: the position of
    the file's first unit among all units (it sets the unit's address and default code);
    `only`: keep just these ids (each keeps the position it has in the file)."""
    path = Path(path or DEFAULT_PROFILES)
    data = load_yaml(path) or {}
    entries = data.get("units") if isinstance(data, dict) else None
    if not entries:
        raise ProfileError(f"{path}: no `units:` list")
    units: list[Unit] = []
    seen = set()
    for j, e in enumerate(entries):
        i = offset + j
        uid = e.get("id")
        if not uid or uid in seen:
            raise ProfileError(f"{path}: unit #{j + 1}: missing or duplicate id {uid!r}")
        seen.add(uid)
        if only is not None and uid not in only:
            continue
        knobs = copy.deepcopy(DEFAULT_KNOBS)
        for k, v in (e.get("knobs") or {}).items():
            if k not in DEFAULT_KNOBS:
                raise ProfileError(f"{path}: unit {uid}: unknown knob {k!r}")
            if k in CHOICES and v not in CHOICES[k]:
                raise ProfileError(f"{path}: unit {uid}: knob {k}={v!r} not in {sorted(CHOICES[k])}")
            knobs[k] = v
        code = e.get("code") or f"H{i:02d}"
        agencies = e.get("agencies") or [
            {"ma": f"{code}-STP", "ten": "Sở Tư pháp"},
            {"ma": f"{code}-UBX", "ten": "Ủy ban nhân dân cấp xã"},
            {"ma": f"{code}-HCC", "ten": "Trung tâm Phục vụ hành chính công"},
        ]
        # `procedures: []` is a unit whose system serves none of the hand-written procedures
        given = e.get("procedures")
        procs = [str(p) for p in (given if given is not None else lab_procedures(procedures))]
        for p in procs:
            if p not in procedures:
                raise ProfileError(f"{path}: unit {uid}: unknown procedure {p!r}")
        name = e.get("name") or uid
        units.append(Unit(id=uid, name=name, index=i, code=code, agencies=agencies,
                          procedures=procs, knobs=knobs,
                          national_name=e.get("national_name") or name,
                          declared=list(procs), catalog=e.get("catalog"),
                          section=str(e.get("section") or ""), stt=e.get("stt")))
    if only is not None:
        unknown = [u for u in only if u not in seen]
        if unknown:
            raise ProfileError(f"{path}: no unit {', '.join(unknown)}")
    return units
