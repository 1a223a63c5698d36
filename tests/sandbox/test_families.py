"""The portal families (knob `family`): the `formio` wizard and the legacy `eform`, driven in
a real Chromium against a sandbox of their own (a small profiles file). The knobs must act
the same in every family: a walk ends with the dossier code, an invalid phone is refused
with a visible alert only when phone_validation=full, a reload keeps the draft only with
drafts=autosave, the applicant type changes the documents with guidance=full."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.sandbox.conftest import start_sandbox

pytestmark = pytest.mark.e2e
MA = "2.000635"
CODE_RE = re.compile(r"Mã hồ sơ:\s*([\w.\-]+)")

PROFILES = """
units:
  - {id: fo-ref, name: "Form.io tham chiếu", knobs: {family: formio}, catalog: {declared: 2, faults: none}}
  - {id: fo-lax, name: "Form.io lỏng", knobs: {family: formio, phone_validation: none, drafts: none},
     catalog: {declared: 2, faults: none}}
  - {id: ef-ref, name: "E-form tham chiếu", knobs: {family: eform}, catalog: {declared: 2, faults: none}}
  - {id: ef-lax, name: "E-form lỏng", knobs: {family: eform, phone_validation: none, drafts: none},
     catalog: {declared: 2, faults: none}}
  - {id: fo-odd, name: "Form.io nhiều lỗi", catalog: {declared: 2, faults: none},
     knobs: {family: formio, session_expiry_after_step: 2, submit_failure: always, esign: broken,
             eform: false, require_cccd_upload: true}}
  - {id: ef-odd, name: "E-form nhiều lỗi", catalog: {declared: 2, faults: none},
     knobs: {family: eform, session_expiry_after_step: 2, submit_failure: always, esign: broken,
             eform: false, require_cccd_upload: true}}
"""

# What differs between the families, as a scenario adapter would declare it.
FAMILY = {
    "formio": {"entry": "/form/" + MA, "next": "Tiếp theo", "back": "Quay lại", "submit": "Gửi hồ sơ",
               "screens": ["Người nộp hồ sơ", "Nội dung yêu cầu", "Giấy tờ kèm theo", "Xem lại và gửi"],
               "phone_screen": 0, "content_screen": 1, "documents_screen": 2,
               "success": "Gửi hồ sơ thành công", "alert": ".invalid-feedback[role=alert]"},
    "eform": {"entry": "/eform/" + MA, "next": "Tiếp theo", "back": "Trở lại", "submit": "Nộp hồ sơ",
              "screens": ["Bước 1. Người nộp", "Bước 2. Liên hệ", "Bước 3. Nội dung",
                          "Bước 4. Hồ sơ đính kèm", "Bước 5. Xác nhận"],
              "phone_screen": 1, "content_screen": 2, "documents_screen": 3,
              "success": "Hồ sơ đã được tiếp nhận", "alert": ".ef-error[role=alert]"},
}
UNITS = {("formio", "ref"): "fo-ref", ("formio", "lax"): "fo-lax",
         ("eform", "ref"): "ef-ref", ("eform", "lax"): "ef-lax",
         ("formio", "odd"): "fo-odd", ("eform", "odd"): "ef-odd"}

EACH_FAMILY = pytest.mark.parametrize("fam", ["formio", "eform"])
# the reference unit of a family and its lax twin (phone_validation and drafts off)
REF_AND_LAX = pytest.mark.parametrize("kind", ["ref", "lax"])


@pytest.fixture(scope="module")
def urls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("families")
    profiles = folder / "profiles.yaml"
    profiles.write_text(PROFILES, encoding="utf-8")
    yield from start_sandbox(folder, "--profiles", str(profiles))


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's browser (pytest-playwright, launched as the tool launches it): one
    Playwright per test process, so other tests' browsers and event loops do not collide."""
    return browser


@pytest.fixture
def upload(tmp_path):
    path = tmp_path / "trich-luc.pdf"
    path.write_bytes(b"%PDF-1.4\n%test\n")
    return str(path)


@contextmanager
def opened_form(chromium, urls, unit):
    """A fresh browser: sign in on the national portal, "Nộp trực tuyến" to the unit; yields
    the page and closes the browser afterwards, whatever the test did."""
    ctx = chromium.new_context(locale="vi-VN")
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.goto(urls["national"] + "/dang-nhap")
        page.get_by_label("Số định danh cá nhân").fill("001090012345")
        page.get_by_label("Mật khẩu").fill("MatKhau@123")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_text("Xin chào, Nguyễn Văn An")).to_be_visible()
        page.goto(urls["national"] + f"/thu-tuc/{MA}/nop-truc-tuyen?unit={unit}")
        yield page
    finally:
        ctx.close()


def on_screen(page, fam, index):
    expect(page.get_by_role("heading", name=FAMILY[fam]["screens"][index], exact=True)).to_be_visible()


def press(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def fill_content(page):
    page.get_by_label("Loại bản sao trích lục").select_option("Trích lục khai sinh")
    page.get_by_label("Số lượng bản sao").fill("2")
    page.get_by_label("Mục đích sử dụng").fill("Bổ sung hồ sơ học tập")


def to_content_screen(page, fam):
    """From the first screen (prefilled) to the screen of step 3 "Nội dung yêu cầu"."""
    f = FAMILY[fam]
    for i in range(f["content_screen"]):
        on_screen(page, fam, i)
        press(page, f["next"])
    on_screen(page, fam, f["content_screen"])


@EACH_FAMILY
def test_walk_to_dossier_code(urls, chromium, upload, fam):
    f = FAMILY[fam]
    with opened_form(chromium, urls, UNITS[fam, "ref"]) as page:
        # the hand-off lands on the family's own entry, prefilled
        page.wait_for_url(urls["units"][UNITS[fam, "ref"]] + f["entry"])
        expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn An")
        if f["phone_screen"] == 0:   # formio: identity and contact on one screen
            expect(page.get_by_label("Số điện thoại")).to_have_value(re.compile(r"^0\d{9}$"))
        to_content_screen(page, fam)
        fill_content(page)
        press(page, f["next"])
        on_screen(page, fam, f["documents_screen"])
        page.get_by_label("Giấy tờ hộ tịch đã được cấp trước đây (bản chụp)").set_input_files(upload)
        # e-signing: the same dialog as the paged portal
        page.get_by_role("button", name="Ký số").first.click()
        dialog = page.get_by_role("dialog", name="Chọn nhà cung cấp chữ ký số")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="VNPT-CA").click()
        expect(page.get_by_text("Đã ký số (VNPT-CA)")).to_be_visible()
        press(page, f["next"])
        on_screen(page, fam, len(f["screens"]) - 1)
        expect(page.get_by_role("cell", name="Bổ sung hồ sơ học tập")).to_be_visible()
        expect(page.get_by_text("trich-luc.pdf — đã ký số (VNPT-CA)")).to_be_visible()
        press(page, f["submit"])
        expect(page.get_by_text(f["success"])).to_be_visible()
        text = page.locator("body").inner_text()
        code = CODE_RE.search(text)
        assert code and code.group(1).startswith("H"), text
        # the dossier is the unit's: its status page knows it
        page.goto(urls["units"][UNITS[fam, "ref"]] + "/ho-so/" + code.group(1))
        expect(page.get_by_text("Đã tiếp nhận").first).to_be_visible()
        # the paged family's direct entry leads to this family's form
        page.goto(urls["units"][UNITS[fam, "ref"]] + f"/dvc/{MA}/nop-ho-so")
        page.wait_for_url(urls["units"][UNITS[fam, "ref"]] + f["entry"])
        on_screen(page, fam, 0)


@EACH_FAMILY
@REF_AND_LAX
def test_invalid_phone(urls, chromium, fam, kind):
    """phone_validation=full: refused with a visible role=alert message; none: accepted."""
    f = FAMILY[fam]
    with opened_form(chromium, urls, UNITS[fam, kind]) as page:
        for i in range(f["phone_screen"]):
            on_screen(page, fam, i)
            press(page, f["next"])
        on_screen(page, fam, f["phone_screen"])
        page.get_by_label("Số điện thoại").fill("09123abcde")
        press(page, f["next"])
        if kind == "ref":
            alert = page.locator(f["alert"]).filter(has_text="Số điện thoại")
            expect(alert.first).to_be_visible()
            on_screen(page, fam, f["phone_screen"])
        else:
            on_screen(page, fam, f["phone_screen"] + 1)
            expect(page.locator(f["alert"])).to_have_count(0)


@EACH_FAMILY
@REF_AND_LAX
def test_draft_after_reload(urls, chromium, fam, kind):
    """drafts=autosave: what is typed survives a reload (kept by the server); none: lost."""
    f = FAMILY[fam]
    with opened_form(chromium, urls, UNITS[fam, kind]) as page:
        to_content_screen(page, fam)
        page.get_by_label("Mục đích sử dụng").fill("Kiểm tra ghi nhớ 4321")
        page.wait_for_timeout(400)
        page.reload()
        # the form reopens where the citizen was (the first unfinished screen)
        on_screen(page, fam, f["content_screen"])
        field = page.get_by_label("Mục đích sử dụng")
        if kind == "ref":
            expect(field).to_have_value("Kiểm tra ghi nhớ 4321")
        else:
            expect(field).to_have_value("")
        # and on "back": kept unless drafts=none
        fill_content(page)
        page.get_by_label("Mục đích sử dụng").fill("Giữ khi quay lại")
        press(page, f["next"])
        on_screen(page, fam, f["content_screen"] + 1)
        press(page, f["back"])
        on_screen(page, fam, f["content_screen"])
        expect(page.get_by_label("Mục đích sử dụng")).to_have_value(
            "Giữ khi quay lại" if kind == "ref" else "")


@EACH_FAMILY
def test_applicant_type_changes_documents(urls, chromium, fam):
    """guidance=full: "Người được ủy quyền" also needs "Văn bản ủy quyền"."""
    f = FAMILY[fam]
    with opened_form(chromium, urls, UNITS[fam, "ref"]) as page:
        seen = {}
        for round_, option in enumerate(["Người được ủy quyền", "Người yêu cầu cấp bản sao cho chính mình"]):
            page.goto(urls["units"][UNITS[fam, "ref"]] + f["entry"])
            if round_:
                # the entry reopens the first unfinished screen: back to the first one
                on_screen(page, fam, f["documents_screen"])
                for i in reversed(range(f["documents_screen"])):
                    press(page, f["back"])
                    on_screen(page, fam, i)
            on_screen(page, fam, 0)
            page.get_by_label("Đối tượng thực hiện").select_option(label=option)
            to_content_screen(page, fam)
            fill_content(page)
            press(page, f["next"])
            on_screen(page, fam, f["documents_screen"])
            seen[option] = [el.evaluate("e => document.getElementById(e.getAttribute('aria-labelledby'))"
                                        " ? document.getElementById(e.getAttribute('aria-labelledby')).innerText"
                                        " : e.labels[0].innerText").strip()
                            for el in page.locator("input[type=file]:visible").all()]
        assert "Văn bản ủy quyền" in seen["Người được ủy quyền"], seen
        assert "Văn bản ủy quyền" not in seen["Người yêu cầu cấp bản sao cho chính mình"], seen
        assert "Giấy tờ hộ tịch đã được cấp trước đây (bản chụp)" in seen["Người yêu cầu cấp bản sao cho chính mình"]


@EACH_FAMILY
def test_other_knobs_act_the_same(urls, chromium, upload, fam):
    """Session expiry after step 2, no on-screen e-form (download/upload), a CCCD copy
    demanded, broken e-signing, every submission failing: as on the paged portal."""
    f = FAMILY[fam]
    with opened_form(chromium, urls, UNITS[fam, "odd"]) as page:
        for i in range(f["content_screen"]):
            on_screen(page, fam, i)
            press(page, f["next"])
        # leaving step 2: the session has expired; signing in again resumes at step 3
        expect(page.get_by_text("Phiên làm việc đã hết hạn")).to_be_visible()
        press(page, "Đăng nhập bằng VNeID")
        on_screen(page, fam, f["content_screen"])
        expect(page.get_by_role("link", name="Tải mẫu tờ khai")).to_be_visible()
        page.get_by_label("Tờ khai đã điền").set_input_files(upload)
        press(page, f["next"])
        on_screen(page, fam, f["documents_screen"])
        page.get_by_label("Căn cước công dân (bản chụp)").set_input_files(upload)
        page.get_by_label("Giấy tờ hộ tịch đã được cấp trước đây (bản chụp)").set_input_files(upload)
        page.get_by_role("button", name="Ký số").first.click()
        expect(page.get_by_role("alert").filter(has_text="Không kết nối được dịch vụ ký số")).to_be_visible()
        press(page, f["next"])
        on_screen(page, fam, len(f["screens"]) - 1)
        press(page, f["submit"])
        expect(page.get_by_role("alert").filter(has_text="Thực hiện thất bại")).to_be_visible()
        assert not CODE_RE.search(page.locator("body").inner_text())
