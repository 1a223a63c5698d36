"""The checks of issue 3 on hand-made evidence: no browser, no sandbox. Each check is a plain
function of what a browser showed; these pin how it reads that data."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import checks
from checks.context import CheckContext
from engine.journey import Evidence, StepRecord
from engine.observe import PageObservation
from engine.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CITIZEN = {"HoVaTen": "Nguyễn Văn An", "SoDinhDanh": "001090000001", "SoDienThoai": "0912000001",
           "ThuongTru": "Số 1 Phố Thử"}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(ROOT / "sandbox" / "scenarios" / "2.000635.yaml", criteria=checks.CRITERION_IDS)


@pytest.fixture
def ctx(scenario):
    target = scenario.targets[0]
    return CheckContext(scenario, target, "Tỉnh Thử", "http://unit.test", CITIZEN)


def page(url="http://unit.test/form", text="", inputs=(), title="Biểu mẫu") -> PageObservation:
    return PageObservation(url=url, title=title, text=text, inputs=list(inputs))


def evidence(**kwargs) -> Evidence:
    ev = Evidence(code="2.000635", procedure="Cấp bản sao Trích lục hộ tịch", target="t", unit_id="u",
                  unit_name="Tỉnh Thử", unit_url="http://unit.test", test_system=True,
                  form=page(), form_values={"ho_ten": "Nguyễn Văn An"})
    for key, value in kwargs.items():
        setattr(ev, key, value)
    return ev


def judge(criterion: str, ev: Evidence, ctx: CheckContext):
    return checks.get(criterion).function(ev, ctx)


def battery(phone_slips=(), email_slips=()):
    phones = [("091234567", "quá ngắn (9 chữ số)"), ("091234567890", "quá dài (12 chữ số)"),
              ("09123abcde", "có chữ cái"), ("0112345678", "đầu số không hợp lệ")]
    emails = [("nguyenvana.example.vn", "thiếu ký tự @"), ("nguyenvana@", "thiếu tên miền")]
    return {
        "phone": {"tried": [{"value": v, "why": w, "valid_input": False, "rejected": v not in phone_slips}
                            for v, w in phones] + [{"value": "0912345678", "why": "hợp lệ", "valid_input": True,
                                                    "rejected": False}]},
        "email": {"tried": [{"value": v, "why": w, "valid_input": False, "rejected": v not in email_slips}
                            for v, w in emails]},
    }


def test_input_validation_all_partial_none(ctx):
    assert judge("input_validation", evidence(probes={"input_validation": battery()}), ctx).outcome == "dat"
    partial = judge("input_validation", evidence(probes={"input_validation": battery(
        phone_slips=("09123abcde", "0112345678"), email_slips=("nguyenvana@",))}), ctx)
    assert partial.outcome == "mot_phan"
    assert "đã kiểm tra độ dài SĐT" in partial.sentence and "09123abcde" in partial.sentence
    none = judge("input_validation", evidence(probes={"input_validation": battery(
        phone_slips=("091234567", "091234567890", "09123abcde", "0112345678"),
        email_slips=("nguyenvana.example.vn", "nguyenvana@"))}), ctx)
    assert none.outcome == "chua_dat" and "chưa kiểm tra độ dài SĐT và tính hợp lệ của email" in none.sentence


def test_a_probe_error_or_no_form_is_not_judged(ctx):
    verdict = judge("input_validation", evidence(probes={"input_validation": {"error": "hết thời gian chờ"}}), ctx)
    assert verdict.outcome == "khong_kiem_tra_duoc" and verdict.reason == "hết thời gian chờ"
    stopped = evidence(form=None, stopped="cổng yêu cầu đăng nhập riêng")
    for criterion in ("input_validation", "draft_persistence", "esign", "guidance", "mobile_layout", "privacy"):
        verdict = judge(criterion, stopped, ctx)
        assert verdict.outcome == "khong_kiem_tra_duoc" and "đăng nhập riêng" in verdict.reason, criterion


@pytest.mark.parametrize("reload, back, outcome", [(True, True, "dat"), (False, True, "mot_phan"),
                                                   (True, False, "mot_phan"), (False, False, "chua_dat")])
def test_draft_persistence(ctx, reload, back, outcome):
    data = {"step": "Nội dung yêu cầu", "field": "Mục đích sử dụng", "typed": "x",
            "kept_on_reload": reload, "kept_on_back": back}
    verdict = judge("draft_persistence", evidence(probes={"draft_persistence": data}), ctx)
    assert verdict.outcome == outcome
    if not reload:
        assert "tải lại trang web" in verdict.sentence


def test_response_time_names_the_slowest_transition(ctx):
    steps = [StepRecord("Thông tin người yêu cầu", "u", elapsed_s=16.2, advanced=True),
             StepRecord("Thông tin liên hệ", "u", elapsed_s=0.4, advanced=True)]
    verdict = judge("response_time", evidence(steps=steps, handoff_elapsed_s=1.0), ctx)
    assert verdict.outcome == "chua_dat"
    assert "chậm (trên 15 giây) khi thực hiện chuyển các màn hình" in verdict.sentence
    assert "“Thông tin người yêu cầu” sang bước “Thông tin liên hệ”" in verdict.sentence
    steps[0].elapsed_s = 2.0
    assert judge("response_time", evidence(steps=steps, handoff_elapsed_s=1.0), ctx).outcome == "dat"


def _walk(succeeded: bool) -> dict:
    return {"attempted": True, "succeeded": succeeded, "intercepted": False, "status": 200 if succeeded else 500,
            "page": {"text": "Nộp hồ sơ thành công" if succeeded else "Thực hiện thất bại."}}


def test_stability_success_rate(ctx):
    ok, bad = {"ok": True}, {"ok": False, "failure_text": "thực hiện thất bại"}
    assert judge("stability", evidence(submission=_walk(True), probes={"repeats": {"attempts": [ok, ok]}}),
                 ctx).outcome == "dat"
    partial = judge("stability", evidence(submission=_walk(False), probes={"repeats": {"attempts": [ok, bad]}}), ctx)
    assert partial.outcome == "chua_dat" and "thỉnh thoảng" in partial.sentence
    assert partial.evidence["success_rate"] == "1/3"
    assert judge("stability", evidence(submission=_walk(False), probes={"repeats": {"attempts": [bad]}}),
                 ctx).outcome == "chua_dat"


def test_branding_finds_retired_names_in_any_spelling(ctx):
    old = evidence(form=page(text="Cổng Dịch vụ công Bộ Lao động – Thương binh và Xã hội"))
    verdict = judge("branding", old, ctx)
    assert verdict.outcome == "chua_dat" and "Bộ Lao động - Thương binh và Xã hội" in verdict.sentence
    assert judge("branding", evidence(form=page(text="Bộ Nội vụ; Bộ Khoa học và Công nghệ")), ctx).outcome == "dat"
    assert judge("branding", evidence(form=page(text="Sở GTVT tỉnh; bộ gtvt")), ctx).outcome == "chua_dat"


def test_mobile_layout_overflow_or_missing_viewport_fails(ctx):
    good = {"viewport_meta": True, "overflow": False, "wide_count": 0, "screen_width": 390, "screenshot": "a.png"}
    bad = dict(good, viewport_meta=False, overflow=True, scroll_width=1280)
    assert judge("mobile_layout", evidence(probes={"mobile_layout": {"devices": {"iPhone 13": good, "Pixel 7": good}}}),
                 ctx).outcome == "dat"
    verdict = judge("mobile_layout", evidence(probes={"mobile_layout": {"devices": {"iPhone 13": bad, "Pixel 7": good}}}),
                    ctx)
    assert verdict.outcome == "chua_dat" and "vỡ cấu trúc" in verdict.sentence and "iPhone 13" in verdict.sentence


def test_guidance_and_esign(ctx):
    same = {"choice": "Đối tượng", "documents": {"A": ["x"], "B": ["x"]}}
    differ = {"choice": "Đối tượng", "documents": {"A": ["x"], "B": ["x", "y"]}}
    assert judge("guidance", evidence(probes={"guidance": differ}), ctx).outcome == "dat"
    assert judge("guidance", evidence(probes={"guidance": same}), ctx).outcome == "mot_phan"
    assert judge("guidance", evidence(probes={"guidance": {"choice": None}}), ctx).outcome == "chua_dat"
    working = {"present": True, "dialog": True, "providers": ["VNPT-CA"], "button": "Ký số", "step": "s"}
    broken = {"present": True, "dialog": False, "providers": [], "failure_messages": ["Lỗi"], "button": "Ký số"}
    absent = {"present": False, "button": "Ký số", "step": "Thành phần hồ sơ"}
    assert judge("esign", evidence(probes={"esign": working}), ctx).outcome == "dat"
    assert judge("esign", evidence(probes={"esign": broken}), ctx).outcome == "mot_phan"
    assert judge("esign", evidence(probes={"esign": absent}), ctx).outcome == "chua_dat"


def test_privacy_and_no_redundant_documents(ctx):
    assert judge("privacy", evidence(probes={"privacy": {"shown": ["HoVaTen"], "code": "H1"}}), ctx).outcome == "chua_dat"
    assert judge("privacy", evidence(probes={"privacy": {"shown": [], "code": "H1"}}), ctx).outcome == "dat"
    docs = page(inputs=[{"label": "Căn cước công dân (bản chụp)", "type": "file"},
                        {"label": "Giấy tờ hộ tịch", "type": "file"}])
    steps = [StepRecord("Thành phần hồ sơ", "u", page=docs)]
    verdict = judge("no_redundant_documents", evidence(steps=steps), ctx)
    assert verdict.outcome == "chua_dat" and "CCCD trong thành phần hồ sơ" in verdict.sentence
    steps = [StepRecord("Thành phần hồ sơ", "u", page=replace(docs, inputs=docs.inputs[1:]))]
    assert judge("no_redundant_documents", evidence(steps=steps), ctx).outcome == "dat"


def test_service_usable(ctx):
    assert judge("service_usable", evidence(submission=_walk(True)), ctx).outcome == "dat"
    assert judge("service_usable", evidence(submission={"attempted": True, "intercepted": True}), ctx).outcome == "dat"
    failed = judge("service_usable", evidence(submission=_walk(False)), ctx)
    assert failed.outcome == "chua_dat" and "Không thực hiện được dịch vụ công trực tuyến" in failed.sentence
    stopped = judge("service_usable", evidence(form=None, stopped="bước “Nội dung yêu cầu”: hết thời gian chờ"), ctx)
    assert stopped.outcome == "chua_dat" and "Nội dung yêu cầu" in stopped.sentence


def test_response_time_takes_the_median_over_repeated_walks(ctx):
    steps = [StepRecord("Thông tin người yêu cầu", "u", elapsed_s=16.2, advanced=True),
             StepRecord("Thông tin liên hệ", "u", elapsed_s=0.4, advanced=True)]
    repeats = {"attempts": [{"ok": True, "timings": {"Thông tin người yêu cầu": 0.5}},
                            {"ok": True, "timings": {"Thông tin người yêu cầu": 0.6}}]}
    verdict = judge("response_time", evidence(steps=steps, probes={"repeats": repeats}), ctx)
    assert verdict.outcome == "dat" and verdict.evidence["walks"] == 3
    repeats["attempts"][0]["timings"]["Thông tin người yêu cầu"] = 17.0
    verdict = judge("response_time", evidence(steps=steps, probes={"repeats": repeats}), ctx)
    assert verdict.outcome == "chua_dat" and "trung vị" in verdict.sentence


def test_eform_reads_the_steps_the_walk_saw(ctx):
    content = page(inputs=[{"label": "Mục đích sử dụng", "type": "text"}])
    upload = page(text="Tải mẫu tờ khai", inputs=[{"label": "Tờ khai đã điền", "type": "file"}])
    assert judge("eform", evidence(steps=[StepRecord("Nội dung yêu cầu", "u", page=content)]), ctx).outcome == "dat"
    assert judge("eform", evidence(steps=[StepRecord("Nội dung yêu cầu", "u", page=upload)]), ctx).outcome == "chua_dat"
    stuck = evidence(steps=[StepRecord("Thông tin người yêu cầu", "u", page=page())], stopped="bước 1: lỗi")
    assert judge("eform", stuck, ctx).outcome == "khong_kiem_tra_duoc"
