"""Every malformed scenario in the corpus stops with file:line, the field and a fix hint;
the real scenarios all load."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import checks
from engine.config import load_citizens, load_units
from engine.scenario import ScenarioError, load_scenario

HERE = Path(__file__).parent
CORPUS = HERE / "bad_scenarios"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
ROOT = HERE.parent


def _load(path: Path):
    return load_scenario(path, criteria=checks.CRITERION_IDS, units=load_units(), citizens=load_citizens(),
                         display=f"bad_scenarios/{path.name}")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_scenario_names_file_line_and_field(name):
    with pytest.raises(ScenarioError) as caught:
        _load(CORPUS / name)
    message = str(caught.value)
    assert message.startswith(f"bad_scenarios/{name}"), message
    where = EXPECTED[name]["where"]
    if where:
        assert f"bad_scenarios/{name}: {where}" in message, message
    assert EXPECTED[name]["message"] in message, message


def test_corpus_is_big_enough():
    assert len(EXPECTED) >= 20


def test_all_errors_of_a_file_are_reported_at_once(tmp_path):
    text = (CORPUS / "09-unknown-unit.yaml").read_text(encoding="utf-8").replace("fields: [ho_ten]", "fields: [ho_tn]")
    path = tmp_path / "2.000635.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, criteria=checks.CRITERION_IDS, units=load_units(), citizens=load_citizens())
    assert len(caught.value.problems) == 2


def test_snippet_shows_the_offending_lines():
    with pytest.raises(ScenarioError) as caught:
        _load(CORPUS / "09-unknown-unit.yaml")
    assert "17 |     unit: tham-chiu" in str(caught.value)


@pytest.mark.parametrize("path", sorted([*(ROOT / "scenarios").glob("*.yaml"), *(ROOT / "sandbox" / "scenarios").glob("*.yaml")]), ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_scenarios_load(path):
    scenario = _load(path)
    assert scenario.targets and scenario.steps


def test_plugin_stops_collection_on_a_bad_scenario(pytester_bad_dir=None):
    """A malformed scenario stops the whole collection: nothing runs half-way."""
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenarios"
        folder.mkdir()
        (folder / "2.000635.yaml").write_text((ROOT / "sandbox" / "scenarios" / "2.000635.yaml").read_text(encoding="utf-8"),
                                              encoding="utf-8")
        (folder / "1.001731.yaml").write_text((CORPUS / "09-unknown-unit.yaml").read_text(encoding="utf-8"),
                                              encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pytest", str(folder), "-p", "engine.plugin", "--noconftest",
                               "-p", "no:cacheprovider", "--dvc-run-dir", str(Path(tmp) / "run"), "-q"],
                              cwd=tmp, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout
    assert "scenarios/1.001731.yaml: line 17: targets[0].unit" in done.stdout
    assert "Interrupted: 1 error during collection" in done.stdout
    assert not (Path(tmp) / "run" / "results.jsonl").exists()
