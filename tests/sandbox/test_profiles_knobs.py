"""Phase 2 knobs: each profile departs from the reference in one visible way."""
from __future__ import annotations

import re
import time

import httpx

from sandbox_helpers import (STEP1_OK, STEP2_OK, STEP3_OK, browser, fill_to_confirm, handoff,
                             national_login, post_step, step_url, text_of, value_of)

MA = "2.000635"


def at_form(sandbox, unit):
    c = browser()
    national_login(c, sandbox)
    r = handoff(c, sandbox, unit)
    assert r.url.path == f"/dvc/{MA}/nop-ho-so/buoc-1", (unit, str(r.url))
    return c, sandbox["units"][unit], r


def errors_in(html):
    return re.findall(r'<p class="field-error" role="alert"[^>]*>([^<]*)</p>', html)


def submit(c, base):
    return c.post(f"{base}/dvc/{MA}/nop-ho-so/nop")


def code_of(html):
    return re.search(r"Mã hồ sơ: ([A-Z0-9.\-]+)", html).group(1)


# ---- 1. own accounts -------------------------------------------------------------
def test_tai_khoan_rieng_login_page(sandbox):
    base = sandbox["units"]["tai-khoan-rieng"]
    c = browser()
    home = c.get(base + "/")
    assert 'href="/dang-nhap">Đăng nhập</a>' in home.text
    t = c.get(base + "/dang-nhap").text
    assert "Tên đăng nhập" in t and 'type="password"' in t and "Đăng nhập bằng VNeID" in t
    # the hand-off itself is still single sign-on
    at_form(sandbox, "tai-khoan-rieng")


# ---- 2. password change -------------------------------------------------------
def test_doi_mat_khau(sandbox):
    c = browser()
    national_login(c, sandbox)
    r = handoff(c, sandbox, "doi-mat-khau")
    assert r.url.path == "/doi-mat-khau" and "<h1>Đổi mật khẩu</h1>" in r.text
    assert r.text.count('type="password"') == 2
    r = c.post(sandbox["units"]["doi-mat-khau"] + "/doi-mat-khau",
               data={"mat_khau_moi": "MatKhau@999", "nhap_lai_mat_khau_moi": "MatKhau@999"})
    assert r.url.path == f"/dvc/{MA}/nop-ho-so/buoc-1"


# ---- 3. redundant CCCD, 10. guidance ----------------------------------------------
def documents_step(sandbox, unit, doi_tuong="ban-than"):
    c, base, _ = at_form(sandbox, unit)
    post_step(c, base, 1, dict(STEP1_OK, doi_tuong=doi_tuong))
    post_step(c, base, 2, STEP2_OK)
    r = post_step(c, base, 3, STEP3_OK)
    assert "Thành phần hồ sơ" in r.text
    return c, base, r.text


def test_reference_documents_depend_on_applicant_type(sandbox):
    _, _, t = documents_step(sandbox, "tham-chieu")
    assert "Căn cước công dân" not in t and "Văn bản ủy quyền" not in t
    _, _, t2 = documents_step(sandbox, "tham-chieu", "uy-quyen")
    assert "Văn bản ủy quyền" in t2


def test_step1_applicant_type_select(sandbox):
    _, _, r = at_form(sandbox, "tham-chieu")
    assert '<label for="doi_tuong">Đối tượng thực hiện</label>' in r.text
    assert "Người yêu cầu cấp bản sao cho chính mình" in r.text and "Người được ủy quyền" in r.text
    _, _, r = at_form(sandbox, "khong-dan-dat")
    assert "Đối tượng thực hiện" not in r.text
    _, _, t = documents_step(sandbox, "dan-dat-chua-du", "uy-quyen")
    assert "Văn bản ủy quyền" not in t


def test_yeu_cau_cccd(sandbox):
    c, base, t = documents_step(sandbox, "yeu-cau-cccd")
    assert '<label for="doc_cccd">Căn cước công dân (bản chụp)</label>' in t
    assert re.search(r'name="doc_cccd" required', t)
    r = post_step(c, base, 4, {}, files={"doc_giay_to_ho_tich": ("a.pdf", b"x", "application/pdf")})
    assert "Thành phần hồ sơ" in r.text and errors_in(r.text)


# ---- 4. e-form --------------------------------------------------------------------
def test_khong_bieu_mau_dien_tu(sandbox):
    c, base, _ = at_form(sandbox, "khong-bieu-mau-dien-tu")
    post_step(c, base, 1, STEP1_OK)
    r = post_step(c, base, 2, STEP2_OK)
    t = r.text
    assert ">Tải mẫu tờ khai</a>" in t and '<label for="to_khai">Tờ khai đã điền</label>' in t
    assert 'name="loai_ban_sao"' not in t and 'name="muc_dich"' not in t
    href = re.search(r'href="([^"]+)" download>Tải mẫu tờ khai', t).group(1)
    dl = c.get(base + href)
    assert dl.status_code == 200 and "attachment" in dl.headers["content-disposition"]
    r = post_step(c, base, 3, {}, files={"to_khai": ("to-khai.pdf", b"x", "application/pdf")})
    assert "Thành phần hồ sơ" in r.text


# ---- 5. e-sign --------------------------------------------------------------------
def test_esign_variants(sandbox):
    _, _, t = documents_step(sandbox, "tham-chieu")
    assert ">Ký số</button>" in t and 'role="dialog"' in t
    assert "Chọn nhà cung cấp chữ ký số" in t
    for p in ("VNPT-CA", "Viettel-CA", "FPT-CA"):
        assert f">{p}</button>" in t
    _, _, t = documents_step(sandbox, "ky-so-loi")
    assert ">Ký số</button>" in t and 'role="dialog"' not in t
    assert "Không kết nối được dịch vụ ký số" in t
    _, _, t = documents_step(sandbox, "khong-ky-so")
    assert "Ký số" not in t


# ---- 6. validation ---------------------------------------------------------------
BAD_PHONES = ["091234567", "09123456789", "09123abcde", "0212345678"]
BAD_EMAILS = ["an.example.vn", "an@example", "an @example.vn"]


def try_step2(c, base, phone="0912345678", email="an@example.vn"):
    r = post_step(c, base, 2, {"so_dien_thoai": phone, "thu_dien_tu": email})
    return "Nội dung yêu cầu" in r.text and "Thông tin liên hệ" not in r.text, r


def step2_client(sandbox, unit):
    c, base, _ = at_form(sandbox, unit)
    post_step(c, base, 1, STEP1_OK)
    return c, base


def test_validation_reference(sandbox):
    c, base = step2_client(sandbox, "tham-chieu")
    t = c.get(step_url(base, 2)).text
    assert 'type="tel"' in t and 'type="email"' in t and "pattern=" in t
    for p in BAD_PHONES:
        ok, r = try_step2(c, base, phone=p)
        assert not ok, p
        assert any("Số điện thoại" in e for e in errors_in(r.text)), p
    for e in BAD_EMAILS:
        ok, r = try_step2(c, base, email=e)
        assert not ok, e
        assert any("Thư điện tử" in x for x in errors_in(r.text)), e
    for p in ["0312345678", "0987654321"]:
        ok, _ = try_step2(c, base, phone=p)
        assert ok, p
        c.get(step_url(base, 2))


def test_validation_length_only(sandbox):
    c, base = step2_client(sandbox, "sdt-chi-do-dai")
    t = c.get(step_url(base, 2)).text
    assert 'type="tel"' not in t and "pattern=" not in t
    assert not try_step2(c, base, phone="091234567")[0]
    assert not try_step2(c, base, phone="09123456789")[0]
    assert try_step2(c, base, phone="09123abcde", email="an @example")[0]
    c.get(step_url(base, 2))
    assert try_step2(c, base, phone="0212345678")[0]


def test_validation_none(sandbox):
    c, base = step2_client(sandbox, "khong-kiem-tra-sdt-email")
    assert try_step2(c, base, phone="12", email="khong-phai-email")[0]


# ---- 7. identity cross-check ---------------------------------------------------
def test_identity_crosscheck(sandbox):
    c, base, r = at_form(sandbox, "tham-chieu")
    assert re.search(r'name="so_dinh_danh" value="001090012345"[^>]*readonly', r.text)
    r = post_step(c, base, 1, dict(STEP1_OK, so_dinh_danh="079185067890"))
    assert "Thông tin người yêu cầu" in r.text
    assert "Thông tin không khớp với CSDLQG về dân cư" in r.text
    r = post_step(c, base, 1, dict(STEP1_OK, ho_ten="Nguyễn Văn Bình"))
    assert "Thông tin không khớp với CSDLQG về dân cư" in r.text
    c, base, r = at_form(sandbox, "khong-doi-chieu")
    assert " readonly" not in r.text.split("<main")[1]
    r = post_step(c, base, 1, dict(STEP1_OK, so_dinh_danh="079185067890"))
    assert "Thông tin liên hệ" in r.text


# ---- 8. required fields ---------------------------------------------------------
def test_required_fields(sandbox):
    c, base, r = at_form(sandbox, "tham-chieu")
    assert re.search(r'name="dia_chi"[^>]*required', r.text)
    r = post_step(c, base, 1, dict(STEP1_OK, dia_chi=""))
    assert "Thông tin người yêu cầu" in r.text and errors_in(r.text)
    post_step(c, base, 1, STEP1_OK)
    post_step(c, base, 2, STEP2_OK)
    r = post_step(c, base, 3, dict(STEP3_OK, muc_dich=""))
    assert "Nội dung yêu cầu" in r.text and errors_in(r.text)
    post_step(c, base, 3, STEP3_OK)
    r = post_step(c, base, 4, {})       # no file
    assert "Thành phần hồ sơ" in r.text and errors_in(r.text)

    c, base, r = at_form(sandbox, "khong-bat-buoc")
    assert not re.search(r"<(input|select)[^>]* required", r.text)
    r = post_step(c, base, 1, dict(STEP1_OK, dia_chi=""))
    assert "Thông tin liên hệ" in r.text
    post_step(c, base, 2, STEP2_OK)
    post_step(c, base, 3, dict(STEP3_OK, muc_dich=""))
    r = post_step(c, base, 4, {})
    assert "Xác nhận và nộp hồ sơ" in r.text


# ---- 9. drafts -------------------------------------------------------------------
def test_drafts(sandbox):
    def back_from_3(unit):
        c, base, _ = at_form(sandbox, unit)
        post_step(c, base, 1, STEP1_OK)
        post_step(c, base, 2, {"so_dien_thoai": "0977777777", "thu_dien_tu": "x@y.vn"})
        r = post_step(c, base, 3, dict(STEP3_OK, muc_dich="Nộp cho trường"), action="back")
        assert "Thông tin liên hệ" in r.text
        return c, base, r

    _, _, r = back_from_3("tham-chieu")
    assert value_of(r.text, "so_dien_thoai") == "0977777777"
    assert "localStorage" in r.text          # autosave across reloads (see test_browser)
    _, _, r = back_from_3("nho-khi-quay-lai")
    assert value_of(r.text, "so_dien_thoai") == "0977777777"
    assert "localStorage" not in r.text
    _, _, r = back_from_3("khong-nho-nhap")
    assert value_of(r.text, "so_dien_thoai") != "0977777777"
    assert "localStorage" not in r.text


# ---- 11. mobile ------------------------------------------------------------------
def test_mobile_layout(sandbox):
    _, _, r = at_form(sandbox, "vo-giao-dien")
    assert 'name="viewport"' not in r.text and "min-width:1280px" in r.text
    _, _, r = at_form(sandbox, "tham-chieu")
    assert 'name="viewport"' in r.text and "min-width:1280px" not in r.text


# ---- 12. slow step ---------------------------------------------------------------
def test_slow_step(sandbox):
    c, base, _ = at_form(sandbox, "cham")
    t0 = time.monotonic()
    r = post_step(c, base, 1, STEP1_OK)
    assert "Thông tin liên hệ" in r.text and time.monotonic() - t0 >= 2.9


# ---- 13. submission errors -------------------------------------------------------
def test_submission_failures(sandbox):
    c, base, _ = at_form(sandbox, "loi-nop-ho-so")
    fill_to_confirm(c, base)
    assert "Nộp hồ sơ thành công" in submit(c, base).text
    c.get(base + f"/dvc/{MA}/nop-ho-so")
    fill_to_confirm(c, base)
    r = submit(c, base)
    assert r.status_code == 500 and "Thực hiện thất bại" in r.text
    r = submit(c, base)
    assert r.status_code == 200 and "Nộp hồ sơ thành công" in r.text

    c, base, _ = at_form(sandbox, "nop-ho-so-loi")
    fill_to_confirm(c, base)
    for _ in range(2):
        r = submit(c, base)
        assert r.status_code == 500 and "Thực hiện thất bại" in r.text


# ---- 14. flaky hand-off ----------------------------------------------------------
def test_flaky_handoff(sandbox):
    c = browser()
    national_login(c, sandbox)
    paths = [handoff(c, sandbox, "dieu-huong-chap-chon").url.path for _ in range(6)]
    assert paths.count("/") == 2 and paths.count(f"/dvc/{MA}/nop-ho-so/buoc-1") == 4


# ---- 15. old name ----------------------------------------------------------------
def test_old_name(sandbox):
    t = httpx.get(sandbox["units"]["ten-cu"] + "/", trust_env=False).text
    assert "Cổng Dịch vụ công Bộ Thông tin và Truyền thông" in t
    ref = httpx.get(sandbox["units"]["tham-chieu"] + "/", trust_env=False).text
    assert "Thông tin và Truyền thông" not in ref


# ---- 16, 17. lookup, progress, result storage ----------------------------------
def submitted(sandbox, unit):
    c, base, _ = at_form(sandbox, unit)
    fill_to_confirm(c, base)
    r = submit(c, base)
    assert "Nộp hồ sơ thành công" in r.text
    return c, base, code_of(r.text), r


def test_public_lookup(sandbox):
    for unit, leaks in [("tham-chieu", False), ("tra-cuu-cong-khai", True)]:
        _, base, code, _ = submitted(sandbox, unit)
        anon = browser()
        t = text_of(anon.get(base + "/tra-cuu").text)
        assert "Mã hồ sơ" in t and "Tra cứu" in t
        t = text_of(anon.get(base + "/tra-cuu", params={"ma_ho_so": code}).text)
        assert "Đã tiếp nhận" in t
        for secret in ["Nguyễn Văn An", "001090012345", "0912345678", "Hàng Bạc"]:
            assert (secret in t) == leaks, (unit, secret)
        if not leaks:
            assert "đăng nhập" in t


def test_progress_and_result_store(sandbox):
    c, base, code, r = submitted(sandbox, "tham-chieu")
    assert f'href="/ho-so/{code}"' in r.text
    t = text_of(c.get(base + f"/ho-so/{code}").text)
    assert "Đã tiếp nhận" in t and "Đã có kết quả" not in t
    anon = browser().get(base + f"/ho-so/{code}")      # anonymous: sent to sign in
    assert "Đã tiếp nhận" not in anon.text and "Nguyễn Văn An" not in anon.text
    bo = httpx.post(base + f"/back-office/xu-ly/{code}", trust_env=False)
    assert bo.status_code == 200 and bo.json()["TrangThai"] == "Đã có kết quả"
    t = text_of(c.get(base + f"/ho-so/{code}").text)
    assert "Đang xử lý" in t and "Đã có kết quả" in t
    kho = text_of(c.get(sandbox["national"] + "/kho-du-lieu").text)
    entry = kho.split("Mã hồ sơ: " + code)[1].split("Mã hồ sơ")[0]
    assert "Đã ký số" in entry and "Người ký:" in entry

    c, base, code, r = submitted(sandbox, "khong-thong-bao-tien-do")
    assert "/ho-so/" not in r.text
    assert c.get(base + f"/ho-so/{code}").status_code == 404
    httpx.post(base + f"/back-office/xu-ly/{code}", trust_env=False)

    c, base, code, _ = submitted(sandbox, "khong-luu-kho")
    httpx.post(base + f"/back-office/xu-ly/{code}", trust_env=False)
    assert code not in c.get(sandbox["national"] + "/kho-du-lieu").text

    c, base, code, _ = submitted(sandbox, "ket-qua-khong-ky-so")
    httpx.post(base + f"/back-office/xu-ly/{code}", trust_env=False)
    kho = text_of(c.get(sandbox["national"] + "/kho-du-lieu").text)
    entry = kho.split("Mã hồ sơ: " + code)[1].split("Mã hồ sơ")[0]
    assert "Chưa ký số" in entry and "Đã ký số" not in entry
