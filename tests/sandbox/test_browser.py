"""One real-browser journey: sign in on the national portal, "Nộp trực tuyến", prefilled form."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect



@pytest.fixture(scope="module")
def chromium(browser):
    """The session's browser (pytest-playwright, launched as the tool launches it): one
    Playwright per test process, so other tests' browsers and event loops do not collide."""
    return browser


@pytest.mark.e2e
def test_national_to_reference_form(sandbox, chromium):
    ctx = chromium.new_context(locale="vi-VN")
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    page.goto(sandbox["national"] + "/")
    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Số định danh cá nhân").fill("001090012345")
    page.get_by_label("Mật khẩu").fill("MatKhau@123")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Xin chào, Nguyễn Văn An")).to_be_visible()
    page.goto(sandbox["national"] + "/thu-tuc/2.000635")
    page.get_by_label("Tỉnh/Thành phố, Bộ ngành").select_option(label="Cổng tham chiếu (đạt chuẩn)")
    page.get_by_label("Cơ quan thực hiện").select_option(index=1)
    page.get_by_role("button", name="Nộp trực tuyến").click()
    page.wait_for_url(re.compile(re.escape(sandbox["units"]["tham-chieu"]) + r"/dvc/2\.000635/nop-ho-so/buoc-1"))
    expect(page.get_by_role("heading", name="Thông tin người yêu cầu")).to_be_visible()
    expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn An")
    expect(page.get_by_label("Ngày sinh")).to_have_value("15/02/1990")
    expect(page.get_by_label("Số định danh cá nhân")).to_have_value("001090012345")
    expect(page.get_by_label("Giới tính")).to_have_value("Nam")
    expect(page.get_by_label("Địa chỉ thường trú")).to_have_value(re.compile("Hàng Bạc"))
    # draft autosave: typed text survives a reload (conforming reference)
    page.get_by_label("Địa chỉ thường trú").fill("Số 1 Phố Thử")
    page.reload()
    expect(page.get_by_label("Địa chỉ thường trú")).to_have_value("Số 1 Phố Thử")
    ctx.close()


@pytest.fixture(scope="module")
def signed_in_state(sandbox, chromium):
    ctx = chromium.new_context()
    page = ctx.new_page()
    page.goto(sandbox["national"] + "/dang-nhap")
    page.get_by_label("Số định danh cá nhân").fill("001090012345")
    page.get_by_label("Mật khẩu").fill("MatKhau@123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(sandbox["national"] + "/")
    state = ctx.storage_state()
    ctx.close()
    return state


def _to_form(sandbox, page, unit):
    page.goto(sandbox["national"] + f"/thu-tuc/2.000635/nop-truc-tuyen?unit={unit}")
    expect(page.get_by_role("heading", name="Thông tin người yêu cầu")).to_be_visible()


@pytest.mark.e2e
def test_browser_sees_the_knobs(sandbox, chromium, signed_in_state):
    ctx = chromium.new_context(storage_state=signed_in_state)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    # validation: the reference blocks a bad phone and says so next to the field
    _to_form(sandbox, page, "tham-chieu")
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_label("Số điện thoại").fill("0212345678")
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator(".field-error[role=alert]")).to_contain_text("Số điện thoại")
    expect(page.get_by_role("heading", name="Thông tin liên hệ")).to_be_visible()
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_label("Loại bản sao trích lục").select_option("Trích lục khai sinh")
    page.get_by_label("Mục đích sử dụng").fill("Bổ sung hồ sơ")
    page.get_by_role("button", name="Tiếp tục").click()
    # e-sign: a dialog listing providers
    page.get_by_role("button", name="Ký số").first.click()
    dialog = page.get_by_role("dialog", name="Chọn nhà cung cấp chữ ký số")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Viettel-CA")).to_be_visible()
    dialog.get_by_role("button", name="VNPT-CA").click()
    expect(dialog).to_be_hidden()
    # broken e-sign
    _to_form(sandbox, page, "ky-so-loi")
    for _ in range(3):
        page.get_by_role("button", name="Tiếp tục").click()
        if page.get_by_label("Mục đích sử dụng").count():
            page.get_by_label("Loại bản sao trích lục").select_option("Trích lục khai sinh")
            page.get_by_label("Mục đích sử dụng").fill("Bổ sung hồ sơ")
    page.get_by_role("button", name="Ký số").first.click()
    expect(page.get_by_role("alert")).to_have_text("Không kết nối được dịch vụ ký số")
    # drafts: kept on back only, lost on reload
    _to_form(sandbox, page, "nho-khi-quay-lai")
    page.get_by_label("Địa chỉ thường trú").fill("Số 9 Phố Khác")
    page.reload()
    expect(page.get_by_label("Địa chỉ thường trú")).to_have_value(re.compile("Hàng Bạc"))
    ctx.close()
    # phone: the broken layout overflows, the reference does not
    phone = chromium.new_context(storage_state=signed_in_state, viewport={"width": 390, "height": 844},
                                 is_mobile=True, has_touch=True, device_scale_factor=2)
    p = phone.new_page()
    widths = {}
    for unit in ("tham-chieu", "vo-giao-dien"):
        _to_form(sandbox, p, unit)
        widths[unit] = p.evaluate("document.documentElement.scrollWidth")
    assert widths["tham-chieu"] <= 390 < widths["vo-giao-dien"]
    phone.close()
