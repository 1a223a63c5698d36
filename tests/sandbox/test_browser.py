"""One real-browser journey: sign in on the national portal, "Nộp trực tuyến", prefilled form."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as p:
        b = p.chromium.launch(headless=True, executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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
