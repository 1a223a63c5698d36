"""The v1 profiles, as a browser without JavaScript sees them."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from sandbox_helpers import (browser, fill_to_confirm, handoff, national_login, selected_of,
                             step_url, text_of, value_of)

NOT_FOUND = "Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online"


@pytest.fixture
def citizen(sandbox):
    c = browser()
    national_login(c, sandbox)
    return c


def host(url):
    return urlparse(str(url)).hostname


def test_reference_prefilled_form_and_submission(sandbox, citizen):
    base = sandbox["units"]["tham-chieu"]
    r = handoff(citizen, sandbox, "tham-chieu")
    assert host(r.url) == host(base) and r.url.path == "/dvc/2.000635/nop-ho-so/buoc-1"
    t = r.text
    assert "Thông tin người yêu cầu" in t and "Cấp bản sao Trích lục hộ tịch" in t
    assert 'name="viewport"' in t and 'lang="vi"' in t
    assert value_of(t, "ho_ten") == "Nguyễn Văn An"
    assert value_of(t, "ngay_sinh") == "15/02/1990"
    assert value_of(t, "so_dinh_danh") == "001090012345"
    assert selected_of(t, "gioi_tinh") == "Nam"
    assert value_of(t, "dia_chi").startswith("Số 12 Phố Hàng Bạc")
    for label in ["Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Giới tính", "Địa chỉ thường trú"]:
        assert re.search(r'<label for="[a-z_]+">%s</label>' % label, t), label
    assert "Cổng Dịch vụ công Cổng tham chiếu (đạt chuẩn)" in t
    # no password anywhere before the form
    assert all('type="password"' not in h.text for h in r.history if h.url.host != "127.0.0.3")
    r = fill_to_confirm(citizen, base)
    assert "Nộp hồ sơ" in r.text
    r = citizen.post(base + "/dvc/2.000635/nop-ho-so/nop")
    assert r.status_code == 200 and "Nộp hồ sơ thành công" in r.text
    assert re.search(r"Mã hồ sơ: H00\.25-\d{6}-\d{4}", r.text)


def test_back_button_keeps_values(sandbox, citizen):
    base = sandbox["units"]["tham-chieu"]
    handoff(citizen, sandbox, "tham-chieu")
    from sandbox_helpers import STEP1_OK, post_step
    post_step(citizen, base, 1, STEP1_OK)
    r = post_step(citizen, base, 2, {"so_dien_thoai": "0911111111", "thu_dien_tu": "a@b.vn"},
                  action="back")
    assert "Thông tin người yêu cầu" in r.text
    r = citizen.get(step_url(base, 2))
    assert value_of(r.text, "so_dien_thoai") == "0911111111"


def test_dang_nhap_lai(sandbox, citizen):
    r = handoff(citizen, sandbox, "dang-nhap-lai")
    base = sandbox["units"]["dang-nhap-lai"]
    assert host(r.url) == host(base) and r.url.path == "/dang-nhap"
    t = r.text
    assert '<label for="ten_dang_nhap">Tên đăng nhập</label>' in t
    assert '<label for="mat_khau">Mật khẩu</label>' in t and 'type="password"' in t
    assert ">Đăng nhập</button>" in t and ">Đăng nhập bằng VNeID</button>" in t
    r = citizen.post(base + "/dang-nhap/vneid")      # the VNeID button: SSO, then the form
    assert r.url.path == "/dvc/2.000635/nop-ho-so/buoc-1"
    assert value_of(r.text, "ho_ten") == "Nguyễn Văn An"


def test_dang_ky_tai_khoan(sandbox, citizen):
    base = sandbox["units"]["dang-ky-tai-khoan"]
    r = handoff(citizen, sandbox, "dang-ky-tai-khoan")
    assert host(r.url) == host(base) and r.url.path == "/dang-ky-tai-khoan"
    t = r.text
    assert "<h1>Đăng ký tài khoản</h1>" in t
    for label in ["Tên đăng nhập", "Mật khẩu", "Nhập lại mật khẩu"]:
        assert f">{label}</label>" in t
    assert ">Đăng ký</button>" in t
    # the form stays blocked until registration
    r = citizen.get(base + "/dvc/2.000635/nop-ho-so")
    assert r.url.path == "/dang-ky-tai-khoan"
    r = citizen.post(base + "/dang-ky-tai-khoan", data={
        "ten_dang_nhap": "an", "mat_khau": "MatKhau@789", "nhap_lai_mat_khau": "MatKhau@789"})
    assert r.url.path == "/dvc/2.000635/nop-ho-so/buoc-1"


def test_khong_tu_dien(sandbox, citizen):
    r = handoff(citizen, sandbox, "khong-tu-dien")
    assert r.url.path == "/dvc/2.000635/nop-ho-so/buoc-1"
    assert value_of(r.text, "ho_ten") == "" and value_of(r.text, "so_dinh_danh") == ""
    assert value_of(r.text, "ngay_sinh") == "" and selected_of(r.text, "gioi_tinh") in (None, "")
    assert " readonly" not in r.text.split("<main")[1]


def test_ve_trang_chu(sandbox, citizen):
    base = sandbox["units"]["ve-trang-chu"]
    r = handoff(citizen, sandbox, "ve-trang-chu")
    assert host(r.url) == host(base) and r.url.path == "/"
    assert 'name="ho_ten"' not in r.text
    # the direct entry still works
    r = citizen.get(base + "/dvc/2.000635/nop-ho-so")
    assert r.url.path == "/dvc/2.000635/nop-ho-so/buoc-1" and value_of(r.text, "ho_ten")


def test_khong_ton_tai(sandbox, citizen):
    base = sandbox["units"]["khong-ton-tai"]
    r = handoff(citizen, sandbox, "khong-ton-tai")
    assert host(r.url) == host(base)
    assert NOT_FOUND in text_of(r.text)
    assert any("/oidc/callback" in str(h.url) for h in r.history)    # after SSO


def test_unknown_procedure_on_reference(sandbox, citizen):
    base = sandbox["units"]["tham-chieu"]
    r = citizen.get(base + "/dvc/tiep-nhan", params={"MaTTHC": "9.999999"})
    assert r.status_code == 404 and NOT_FOUND in text_of(r.text)
    r = browser().get(base + "/dvc/tiep-nhan", params={"MaTTHC": "9.999999"})  # anonymous too
    assert r.status_code == 404 and NOT_FOUND in text_of(r.text)
    r = citizen.get(base + "/dvc/9.999999/nop-ho-so")
    assert r.status_code == 404 and NOT_FOUND in text_of(r.text)


def test_callback_checks_state(sandbox, citizen):
    base = sandbox["units"]["tham-chieu"]
    fresh = browser()
    r = fresh.get(base + "/oidc/callback", params={"code": "bogus", "state": "forged"})
    assert r.status_code == 400 and "Đăng nhập không thành công" in r.text


def test_reference_login_page_offers_only_vneid(sandbox):
    r = browser().get(sandbox["units"]["tham-chieu"] + "/dang-nhap")
    assert ">Đăng nhập bằng VNeID</button>" in r.text
    assert 'type="password"' not in r.text and "Tên đăng nhập" not in r.text
