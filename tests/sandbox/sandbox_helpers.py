"""httpx helpers that walk the sandbox like a (JavaScript-less) browser."""
from __future__ import annotations

import re
from html import unescape

import httpx

CITIZEN = {"SoDinhDanh": "001090012345", "password": "MatKhau@123", "HoVaTen": "Nguyễn Văn An"}
CITIZEN2 = {"SoDinhDanh": "079185067890", "password": "MatKhau@456", "HoVaTen": "Trần Thị Bình"}


def browser(**kw) -> httpx.Client:
    return httpx.Client(follow_redirects=True, timeout=kw.pop("timeout", 10), trust_env=False, **kw)


def idp_login(client: httpx.Client, resp: httpx.Response, who=CITIZEN) -> httpx.Response:
    """resp is the IdP's login page; submit the citizen's credentials."""
    assert "Số định danh cá nhân" in resp.text, resp.text[:500]
    nxt = re.search(r'name="next" value="([^"]*)"', resp.text)
    url = resp.url.copy_with(path="/dang-nhap", query=None)
    return client.post(url, data={"so_dinh_danh": who["SoDinhDanh"], "mat_khau": who["password"],
                                  "next": unescape(nxt.group(1)) if nxt else ""})


def national_login(client: httpx.Client, urls: dict, who=CITIZEN) -> httpx.Response:
    r = client.get(urls["national"] + "/dang-nhap")
    r = idp_login(client, r, who)
    assert r.url.host == "127.0.0.2"
    assert "Xin chào, " + who["HoVaTen"] in r.text
    return r


def handoff(client: httpx.Client, urls: dict, unit: str, ma="2.000635") -> httpx.Response:
    return client.get(urls["national"] + f"/thu-tuc/{ma}/nop-truc-tuyen", params={"unit": unit})


def value_of(html: str, name: str) -> str | None:
    m = re.search(r'<input[^>]*\bname="%s"[^>]*>' % re.escape(name), html)
    if not m:
        return None
    v = re.search(r'\bvalue="([^"]*)"', m.group(0))
    return unescape(v.group(1)) if v else ""


def selected_of(html: str, name: str) -> str | None:
    m = re.search(r'<select[^>]*\bname="%s".*?</select>' % re.escape(name), html, re.S)
    if not m:
        return None
    s = re.search(r'<option value="([^"]*)" selected', m.group(0))
    return unescape(s.group(1)) if s else None


def step_url(base: str, n: int, ma="2.000635") -> str:
    return f"{base}/dvc/{ma}/nop-ho-so/buoc-{n}"


STEP1_OK = {"doi_tuong": "ban-than", "ho_ten": "Nguyễn Văn An", "ngay_sinh": "15/02/1990",
            "so_dinh_danh": "001090012345", "gioi_tinh": "Nam",
            "dia_chi": "Số 12 Phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"}
STEP2_OK = {"so_dien_thoai": "0912345678", "thu_dien_tu": "nguyenvanan@example.vn"}
STEP3_OK = {"loai_ban_sao": "Trích lục khai sinh", "so_luong": "2", "muc_dich": "Bổ sung hồ sơ"}


def post_step(client, base, n, data, files=None, action="next", ma="2.000635"):
    data = dict(data, action=action)
    # always multipart, like the browser form
    files = files or {"_": ("", b"", "application/octet-stream")}
    return client.post(step_url(base, n, ma), data=data, files=files)


def fill_to_confirm(client, base, step4_files=None):
    r = post_step(client, base, 1, STEP1_OK)
    assert "Thông tin liên hệ" in r.text, r.text[:2000]
    r = post_step(client, base, 2, STEP2_OK)
    assert "Nội dung yêu cầu" in r.text, r.text[:2000]
    r = post_step(client, base, 3, STEP3_OK)
    assert "Thành phần hồ sơ" in r.text, r.text[:2000]
    files = step4_files or {"doc_giay_to_ho_tich": ("trich-luc.pdf", b"%PDF-1.4 test", "application/pdf")}
    r = post_step(client, base, 4, {}, files=files)
    assert "Xác nhận và nộp hồ sơ" in r.text, r.text[:2000]
    return r


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))
