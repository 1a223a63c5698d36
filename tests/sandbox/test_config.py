"""Profile loading: knobs are validated, defaults are conforming."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.config import DEFAULT_KNOBS, ProfileError, load_procedures, load_units

ROOT = Path(__file__).resolve().parents[2]


def test_profiles_load_and_reference_is_default():
    units = load_units(None, load_procedures())
    ref = units[0]
    assert ref.id == "tham-chieu" and ref.name == "Cổng tham chiếu (đạt chuẩn)"
    assert ref.knobs == DEFAULT_KNOBS
    assert len({u.id for u in units}) == len(units)
    assert all(len(u.agencies) >= 2 for u in units)


def test_unknown_knob_rejected(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("units:\n  - id: x\n    knobs: {khong_co: 1}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="unknown knob"):
        load_units(p, load_procedures())
    p.write_text("units:\n  - id: x\n    knobs: {esign: maybe}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="esign"):
        load_units(p, load_procedures())
    r = subprocess.run([sys.executable, "-m", "sandbox", "--urls-file", str(tmp_path / "u.json"),
                        "--profiles", str(p)], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "esign" in r.stderr
