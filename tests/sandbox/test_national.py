"""The national portal: sign-in, procedure page, the "Nộp trực tuyến" hand-off, catalog."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from sandbox_helpers import browser, handoff, national_login, text_of


def test_distinct_loopback_hosts_same_port(sandbox):
    urls = [sandbox["national"], sandbox["idp"], *sandbox["units"].values()]
    parsed = [urlparse(u) for u in urls]
    hosts = [p.hostname for p in parsed]
    assert len(set(hosts)) == len(hosts)
    assert all(h.startswith("127.") for h in hosts)
    assert len({p.port for p in parsed}) == 1
    assert sandbox["national"].startswith("http://127.0.0.2:")
    assert sandbox["idp"].startswith("http://127.0.0.3:")
    assert sandbox["units"]["tham-chieu"].startswith("http://127.0.0.10:")
    assert sandbox["test_system"] is True and isinstance(sandbox["pid"], int)
    assert list(sandbox["units"])[:6] == ["tham-chieu", "dang-nhap-lai", "dang-ky-tai-khoan",
                                          "khong-tu-dien", "ve-trang-chu", "khong-ton-tai"]


def test_login_logout_and_pages(sandbox):
    c = browser()
    r = c.get(sandbox["national"] + "/")
    assert 'lang="vi"' in r.text and "Đăng nhập" in r.text and 'name="viewport"' in r.text
    national_login(c, sandbox)
    r = c.get(sandbox["national"] + "/thu-tuc/2.000635")
    t = r.text
    assert "Cấp bản sao Trích lục hộ tịch" in t and "2.000635" in t
    assert '<label for="don-vi">Tỉnh/Thành phố, Bộ ngành</label>' in t
    assert '<label for="co-quan">Cơ quan thực hiện</label>' in t
    assert "<button type=\"submit\">Nộp trực tuyến</button>" in t
    assert "Cổng tham chiếu (đạt chuẩn)" in t
    r = c.get(sandbox["national"] + "/dang-xuat")
    assert "Xin chào" not in r.text and r.url.host == "127.0.0.2"


def test_handoff_parameters(sandbox):
    c = browser()
    national_login(c, sandbox)
    c.follow_redirects = False
    r = c.get(sandbox["national"] + "/thu-tuc/2.000635/nop-truc-tuyen",
              params={"unit": "tham-chieu", "agency": "H00-UBX"})
    assert r.status_code in (302, 303)
    loc = urlparse(r.headers["location"])
    assert f"{loc.scheme}://{loc.netloc}" == sandbox["units"]["tham-chieu"]
    assert loc.path == "/dvc/tiep-nhan"
    q = {k: v[0] for k, v in parse_qs(loc.query).items()}
    assert q == {"MaTTHC": "2.000635", "MaTTHCDP": "2.000635.H00",
                 "MaCoQuanThucHien": "H00-UBX", "MaDVC": "H00-2000635", "vneid": "1"}


def test_anonymous_handoff_signs_in_first(sandbox):
    c = browser()
    r = handoff(c, sandbox, "tham-chieu")
    assert r.url.host == "127.0.0.3" and "Mật khẩu" in r.text   # IdP login page
    from sandbox_helpers import idp_login
    r = idp_login(c, r)
    assert r.url.path == "/dvc/2.000635/nop-ho-so/buoc-1"
    assert r.url.host == urlparse(sandbox["units"]["tham-chieu"]).hostname


def test_catalog(sandbox):
    data = httpx.get(sandbox["national"] + "/api/danh-muc", trust_env=False).json()
    (p,) = [p for p in data if p["MaTTHC"] == "2.000635"]
    assert p["TenTTHC"] == "Cấp bản sao Trích lục hộ tịch"
    units = {u["unit"]: u for u in p["units"]}
    assert set(units) == set(sandbox["units"])
    assert units["tham-chieu"]["handoff_url"].startswith(
        sandbox["units"]["tham-chieu"] + "/dvc/tiep-nhan?MaTTHC=2.000635&")
    page = httpx.get(sandbox["national"] + "/danh-muc", trust_env=False).text
    assert "Cổng tham chiếu (đạt chuẩn)" in text_of(page)
