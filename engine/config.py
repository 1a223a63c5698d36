"""Configuration beside the scenarios: environments (where the portals are, how to log in),
test citizens, and the registry of units.

Every address the tester uses comes from an environment, never from a scenario, so the
same scenarios run against the embedded sandbox, a vendor's staging federation or the
real portals.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.scenario import Action, Problem, ScenarioError, _actions
from engine.yamlmarks import YamlSyntaxError, load_marked

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENVIRONMENT = ROOT / "config" / "environments" / "sandbox.yaml"
DEFAULT_CITIZENS = ROOT / "config" / "citizens.yaml"
SANDBOX_URLS_VARIABLE = "DVC_SANDBOX_URLS"


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    section: str  # "bo", "dia_phuong" or "sandbox"

    def as_record(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "section": self.section}


def load_units() -> dict[str, Unit]:
    """Every unit a target may name: the letter's 79 and the sandbox's lab units, from the
    units registry (engine/units.py), in the letter's order."""
    from engine.units import registry
    return {u.id: Unit(u.id, u.name, u.section) for u in registry().units()}


@dataclass
class Environment:
    name: str
    source: str
    test_system: bool
    national: str
    units: dict[str, str]
    idp: str | None = None
    login_steps: tuple[Action, ...] = ()
    login_citizen: str = "cong-dan-1"
    storage_state: Path | None = None
    login_check: dict[str, str] = field(default_factory=dict)
    # Test systems only: addresses of the agency's side that the tester may drive (e.g. a
    # sandbox endpoint where a civil servant processes a dossier), as {name: {method, url}}.
    back_office: dict[str, dict[str, str]] = field(default_factory=dict)

    def unit_url(self, unit_id: str) -> str | None:
        return self.units.get(unit_id)


def _read(path: Path) -> Any:
    try:
        return load_marked(path).data
    except YamlSyntaxError as error:
        raise ScenarioError([Problem(str(path), None, "", str(error))]) from None


def sandbox_addresses() -> dict[str, Any] | None:
    """The URLs of a running embedded sandbox, from the file its process wrote."""
    path = os.environ.get(SANDBOX_URLS_VARIABLE)
    if not path or not Path(path).exists():
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_environment(path: Path | str = DEFAULT_ENVIRONMENT) -> Environment:
    path = Path(path)
    data = _read(path)
    if not isinstance(data, dict) or "name" not in data or "addresses" not in data:
        raise ScenarioError([Problem(str(path), None, "", "môi trường cần 'name' và 'addresses'")])
    addresses = data["addresses"]
    if addresses == "sandbox":
        urls = sandbox_addresses()
        if urls is None:
            raise ScenarioError([Problem(str(path), None, "addresses",
                                         "môi trường sandbox nhưng sandbox chưa chạy",
                                         f"chạy với --sandbox (mặc định) hoặc đặt biến {SANDBOX_URLS_VARIABLE}")])
        addresses = urls
    login = data.get("login") or {}
    state = login.get("storage_state")
    return Environment(
        name=data["name"], source=str(path), test_system=bool(data.get("test_system", False)),
        national=addresses["national"].rstrip("/"), idp=addresses.get("idp"),
        units={k: v.rstrip("/") for k, v in (addresses.get("units") or {}).items()},
        login_steps=_actions(login.get("steps")), login_citizen=login.get("citizen", "cong-dan-1"),
        storage_state=Path(os.path.expanduser(state)) if state else None,
        login_check=login.get("check") or {},
        back_office={name: (dict(spec) if isinstance(spec, dict) else {"method": "POST", "url": str(spec)})
                     for name, spec in (data.get("back_office") or {}).items()})


def environment_uses_sandbox(path: Path | str) -> bool:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return data.get("addresses") == "sandbox"


def sandbox_start_args(path: Path | str) -> list[str]:
    """Arguments for ``python -m sandbox`` when the tool starts the sandbox for this environment
    (``sandbox: {set: all}`` in the environment file: which portals to start)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    wanted = data.get("sandbox") or {}
    args = ["--set", str(wanted["set"])] if wanted.get("set") else []
    if wanted.get("units"):
        args += ["--units", ",".join(wanted["units"])]
    return args


def load_citizens(path: Path | str = DEFAULT_CITIZENS) -> dict[str, dict[str, str]]:
    data = _read(Path(path)) or {}
    return {cid: {k: str(v) for k, v in values.items()} for cid, values in data.items()}


def personal_strings(citizens: dict[str, dict[str, str]]) -> list[str]:
    """Everything of the test citizens that must never appear in clear in a report."""
    out: list[str] = []
    for values in citizens.values():
        for key in ("SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "ThuongTru", "SoDienThoai", "ThuDienTu", "password"):
            if values.get(key):
                out.append(values[key])
    return out
