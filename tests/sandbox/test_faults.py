"""Phase 3 fault profiles: the hand-off misbehaves in transport-level ways."""
from __future__ import annotations

import time

import httpx
import pytest

from sandbox_helpers import STEP1_OK, STEP2_OK, browser, handoff, national_login, post_step

MA = "2.000635"


def handoff_url(sandbox, unit):
    return sandbox["units"][unit] + f"/dvc/tiep-nhan?MaTTHC={MA}&vneid=1"


def test_timeout(sandbox):
    t0 = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(handoff_url(sandbox, "loi-het-gio"), timeout=1.0, trust_env=False)
    assert time.monotonic() - t0 < 3


def test_slow_first_byte(sandbox):
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(handoff_url(sandbox, "loi-cham-byte-dau"), timeout=1.0, trust_env=False)


def test_500(sandbox):
    r = httpx.get(handoff_url(sandbox, "loi-500"), trust_env=False)
    assert r.status_code == 500


def test_connection_reset(sandbox):
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        httpx.get(handoff_url(sandbox, "loi-ngat-ket-noi"), timeout=5, trust_env=False)
    # the rest of that portal answers
    assert httpx.get(sandbox["units"]["loi-ngat-ket-noi"] + "/", trust_env=False).status_code == 200


def test_redirect_loop(sandbox):
    with pytest.raises(httpx.TooManyRedirects):
        httpx.get(handoff_url(sandbox, "loi-vong-lap"), follow_redirects=True, trust_env=False)


def test_bot_challenge(sandbox):
    base = sandbox["units"]["thach-thuc-bot"]
    for path in ["/", "/dang-nhap", f"/dvc/{MA}/nop-ho-so", "/dvc/tiep-nhan?MaTTHC=" + MA]:
        r = httpx.get(base + path, trust_env=False)
        assert r.status_code == 200 and "Đang kiểm tra trình duyệt..." in r.text and "<script>" in r.text


def test_session_expires_between_steps_2_and_3(sandbox):
    c = browser()
    national_login(c, sandbox)
    base = sandbox["units"]["het-phien"]
    r = handoff(c, sandbox, "het-phien")
    assert r.url.path == f"/dvc/{MA}/nop-ho-so/buoc-1"
    post_step(c, base, 1, STEP1_OK)
    r = post_step(c, base, 2, STEP2_OK)
    assert r.url.path == "/dang-nhap" and "Phiên làm việc đã hết hạn" in r.text
    assert "Đăng nhập bằng VNeID" in r.text
    r = c.post(base + "/dang-nhap/vneid")
    assert r.url.path == f"/dvc/{MA}/nop-ho-so/buoc-3" and "Nội dung yêu cầu" in r.text
