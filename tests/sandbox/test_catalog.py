"""The generated full-online catalog: tens of declared services per unit, a share broken,
some on a second system; 2.000635 untouched."""
from __future__ import annotations

from collections import Counter
from urllib.parse import urlparse

import httpx
import pytest

from sandbox.catalog import apply_catalog
from sandbox.config import ProfileError, load_procedures, load_units


def built():
    procedures = load_procedures()
    units = load_units(None, procedures)
    seconds = apply_catalog(units, procedures)
    return procedures, units, seconds


def test_every_unit_declares_tens_of_services_some_broken():
    procedures, units, seconds = built()
    again = built()[1]
    assert [(u.declared, u.faults) for u in units] == [(u.declared, u.faults) for u in again]  # deterministic
    for u in units:
        assert 25 <= len(u.declared) <= 50, u.id
        assert u.declared[0] == "2.000635" and "2.000635" in u.procedures and "2.000635" not in u.faults
        assert all(len(c) == 8 and c[1] == "." and c.replace(".", "").isdigit() for c in u.declared)
    ref = units[0]
    assert ref.id == "tham-chieu" and len(ref.declared) == 41 and not ref.faults and ref.procedures == ref.declared
    declared = sum(len(u.declared) for u in units)
    broken = sum(len(u.faults) for u in units)
    assert declared > 1000 and 0.1 < broken / declared < 0.35
    kinds = Counter(k for u in units for k in u.faults.values())
    assert set(kinds) == {"missing", "not_found", "home", "error500", "other_unit", "other_system"}
    assert {s.id for s in seconds} == {"tai-khoan-rieng~he-thong-2", "nhieu-he-thong~he-thong-2"}
    assert procedures["2.000635"]["TenTTHC"] == "Cấp bản sao Trích lục hộ tịch"


def test_catalog_settings_are_checked(tmp_path):
    p = tmp_path / "p.yaml"
    for bad, match in (("{faults: {broken: 0.1}}", "unknown fault"), ("{declared: many}", "declared"),
                       ("{faults: {home: 2}}", "between 0 and 1"), ("{colour: red}", "unknown key")):
        p.write_text(f"units:\n  - id: x\n    catalog: {bad}\n", encoding="utf-8")
        procedures = load_procedures()
        with pytest.raises(ProfileError, match=match):
            apply_catalog(load_units(p, procedures), procedures)


def test_national_catalog_lists_declared_services(sandbox):
    data = httpx.get(sandbox["national"] + "/api/danh-muc", trust_env=False).json()
    _, units, _ = built()
    assert sum(len(p["units"]) for p in data) == sum(len(u.declared) for u in units)
    (p,) = [p for p in data if p["MaTTHC"] == "2.000635"]
    assert {u["unit"] for u in p["units"]} == set(sandbox["units"])
    home = httpx.get(sandbox["national"] + "/", trust_env=False).text
    assert "2.000635" in home and not any(q["MaTTHC"] in home for q in data if q["MaTTHC"] != "2.000635")


def test_broken_services_as_the_catalog_says(sandbox):
    _, units, _ = built()
    by_id = {u.id: u for u in units}
    unit = by_id["nhieu-he-thong"]
    client = httpx.Client(trust_env=False, follow_redirects=False, timeout=10)
    data = httpx.get(sandbox["national"] + "/api/danh-muc", trust_env=False).json()
    link = {(u["unit"], p["MaTTHC"]): u["handoff_url"] for p in data for u in p["units"]}

    def first_answer(code):
        return client.get(link[(unit.id, code)])

    kinds = {kind: code for code, kind in unit.faults.items()}
    r = first_answer(kinds["other_system"])
    assert r.status_code == 302 and urlparse(r.headers["location"]).hostname == "127.0.1.47"
    assert sandbox["systems"]["nhieu-he-thong"][1].startswith("http://127.0.1.47:")
    r = first_answer(kinds["missing"])
    assert r.status_code == 404 and "Thủ tục hành chính không tồn tại" in r.text
    assert first_answer(kinds["error500"]).status_code == 500
    r = first_answer(kinds["home"])
    assert r.status_code == 302 and urlparse(r.headers["location"]).path == "/"
    assert urlparse(link[(unit.id, kinds["other_unit"])]).netloc == urlparse(sandbox["units"]["tham-chieu"]).netloc
