"""Portal families: a target names its portal's software and gets that software's flow and
locators; what the target declares itself wins."""
from __future__ import annotations

from pathlib import Path

import yaml

import checks
from engine.families import load_families
from engine.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "sandbox" / "scenarios" / "2.000635.yaml"


def _scenario(tmp_path: Path, targets: list[dict], families: dict[str, str] | None = None):
    data = yaml.safe_load(LAB.read_text(encoding="utf-8"))
    data["targets"] = targets
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, text in (families or {}).items():
        (folder / "families").mkdir(exist_ok=True)
        (folder / "families" / f"{name}.yaml").write_text(text, encoding="utf-8")
    path = folder / "2.000635.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_scenario(path, criteria=checks.CRITERION_IDS)


def test_project_families_load():
    families = load_families(LAB)
    assert {"paged", "formio", "eform"} <= set(families)
    assert families["formio"].field_selector == '[name="data[{name}]"]'


def test_formio_target_gets_the_wizard_screens_and_locators(tmp_path):
    scenario = _scenario(tmp_path, [{"id": "a", "unit": "tham-chieu", "family": "formio"}])
    shown, target = scenario.for_target(scenario.targets[0])
    # Identity and contact share the first panel; review and submission share the last one.
    assert [s.heading for s in shown.steps] == ["Người nộp hồ sơ", "Nội dung yêu cầu", "Giấy tờ kèm theo",
                                                "Xem lại và gửi"]
    first = shown.steps[0]
    assert "ho_ten" in first.fields and "so_dien_thoai" in first.fill and first.next == "Tiếp theo"
    assert shown.steps[-1].submit == "Gửi hồ sơ" and shown.steps[-1].next is None
    assert shown.fields["ho_ten"].selector == '[name="data[ho_ten]"]'
    assert shown.submit_request == "**/api/form/*/submission"
    assert shown.success_text == "Gửi hồ sơ thành công"
    assert target.direct_entry == "{unit}/form/{code}"
    # The procedure itself is untouched: another target on another family sees its own flow.
    assert len(scenario.steps) == 5 and scenario.fields["ho_ten"].selector is None


def test_probe_steps_follow_the_screen_they_landed_on(tmp_path):
    scenario = _scenario(tmp_path, [{"id": "a", "unit": "tham-chieu", "family": "formio",
                                     "probes": {"draft_persistence": {"step": "Thông tin liên hệ",
                                                                      "field": "so_dien_thoai"}}}])
    shown, target = scenario.for_target(scenario.targets[0])
    assert target.probes.draft_step == "Thông tin người yêu cầu"
    assert target.probes.draft_step in [s.name for s in shown.steps]


def test_target_overrides_only_what_differs(tmp_path):
    scenario = _scenario(tmp_path, [{
        "id": "a", "unit": "tham-chieu", "family": "eform", "direct_entry": "{unit}/mau/{code}",
        "form": {"next": "Tiếp", "fields": {"so_dien_thoai": {"name": "dien_thoai"},
                                           "ho_ten": {"label": "Họ tên"}}}}])
    shown, target = scenario.for_target(scenario.targets[0])
    assert shown.steps[0].next == "Tiếp" and shown.steps[-1].submit == "Nộp hồ sơ"
    assert shown.back == "Trở lại"
    assert shown.fields["so_dien_thoai"].selector == "#ef_dien_thoai"
    assert shown.fields["ho_ten"].selector is None and shown.fields["ho_ten"].label == "Họ tên"
    assert shown.fields["ngay_sinh"].selector == "#ef_ngay_sinh"
    assert target.direct_entry == "{unit}/mau/{code}"


def test_a_family_beside_the_scenario_wins_and_brings_its_probe_defaults(tmp_path):
    own = ("name: Cổng riêng\nscreens:\n" + "".join(f"  - {{steps: [{i}]}}\n" for i in range(1, 6))
           + "next: Đi tiếp\nprobes:\n  esign: {button: Ký điện tử}\n")
    scenario = _scenario(tmp_path, [{"id": "a", "unit": "tham-chieu", "family": "paged"}], {"paged": own})
    shown, target = scenario.for_target(scenario.targets[0])
    assert shown.steps[0].next == "Đi tiếp"
    assert target.probes.esign_button == "Ký điện tử"


def test_targets_without_family_are_unchanged(tmp_path):
    scenario = _scenario(tmp_path, [{"id": "a", "unit": "tham-chieu"}])
    shown, target = scenario.for_target(scenario.targets[0])
    assert shown is scenario and target is scenario.targets[0]
