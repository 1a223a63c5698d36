"""The diff between two nightly runs after a portal changed: the reference portal stops
prefilling its form (a changed sandbox profile), and the next run's report says autofill is
newly failing while the rest is unchanged."""
from __future__ import annotations

import json

import pytest
import yaml

from engine.sandbox_process import SandboxProcess
from tests.e2e.conftest import ROOT, run_pytest_tool, write_scenario

pytestmark = pytest.mark.e2e


def _run(tmp_path, profiles, run_name: str):
    process = SandboxProcess(extra_args=["--profiles", str(profiles)] if profiles else None)
    try:
        process.start()
        scenario = write_scenario(tmp_path / run_name, ROOT / "sandbox" / "scenarios" / "2.000635.yaml", targets=["tham-chieu"])
        return run_pytest_tool([scenario], tmp_path / "runs" / run_name, "--dvc-criteria", "sso,autofill",
                               urls_file=process.urls_file)
    finally:
        process.stop()


def test_a_changed_portal_shows_as_newly_failing(tmp_path):
    first = _run(tmp_path, None, "20261201-010000")
    assert {r["outcome"] for r in first.records} == {"dat"}, first.output[-2000:]
    profiles = yaml.safe_load((ROOT / "sandbox" / "profiles.yaml").read_text(encoding="utf-8"))
    reference = next(u for u in profiles["units"] if u["id"] == "tham-chieu")
    reference["knobs"] = {**(reference.get("knobs") or {}), "prefill": False}
    changed = tmp_path / "profiles.yaml"
    changed.write_text(yaml.safe_dump(profiles, allow_unicode=True, sort_keys=False), encoding="utf-8")
    second = _run(tmp_path, changed, "20261202-010000")
    history = json.loads((second.run_dir / "history.json").read_text(encoding="utf-8"))
    status = {c["criterion"]: c["status"] for c in history["changes"]}
    assert status == {"autofill": "moi_chua_dat", "sso": "khong_doi"}, history
    assert "mới chưa đạt" in (second.run_dir / "index.html").read_text(encoding="utf-8")
