"""The identity provider: a real OpenID Connect authorization-code flow."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlparse

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from sandbox_helpers import CITIZEN, browser, idp_login


def _authorize(client, urls, creds, **extra):
    params = {"response_type": "code", "client_id": creds["client_id"],
              "redirect_uri": creds["redirect_uri"], "scope": "openid profile",
              "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8)}
    params.update(extra)
    return params, client.get(urls["idp"] + "/authorize", params=params)


def _login_and_get_code(urls, creds):
    """Log in at the IdP as CITIZEN; stop at the redirect to the (unreachable) client."""
    c = browser()
    params, r = _authorize(c, urls, creds)
    assert r.url.path == "/dang-nhap"
    c.follow_redirects = False
    r = idp_login(c, r)
    assert r.status_code == 302 and r.headers["location"].startswith("/authorize")
    r = c.get(urls["idp"] + r.headers["location"])
    assert r.status_code == 302
    loc = urlparse(r.headers["location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == creds["redirect_uri"]
    q = parse_qs(loc.query)
    assert q["state"] == [params["state"]]
    return c, params, q["code"][0]


def _token(urls, creds, code):
    return httpx.post(urls["idp"] + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": creds["redirect_uri"]},
        auth=(creds["client_id"], creds["client_secret"]), trust_env=False)


def test_discovery_and_jwks(sandbox):
    d = httpx.get(sandbox["idp"] + "/.well-known/openid-configuration", trust_env=False).json()
    assert d["issuer"] == sandbox["idp"]
    for k in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert d[k].startswith(sandbox["idp"] + "/")
    assert "RS256" in d["id_token_signing_alg_values_supported"]
    assert d["response_types_supported"] == ["code"]
    jwks = httpx.get(d["jwks_uri"], trust_env=False).json()
    assert jwks["keys"][0]["kty"] == "RSA" and "d" not in jwks["keys"][0]


def test_code_flow_token_userinfo(sandbox, test_client_creds):
    creds = test_client_creds
    c, params, code = _login_and_get_code(sandbox, creds)
    r = _token(sandbox, creds, code)
    assert r.status_code == 200, r.text
    tok = r.json()
    assert tok["token_type"].lower() == "bearer" and tok["expires_in"] > 0
    keys = KeySet.import_key_set(httpx.get(sandbox["idp"] + "/jwks", trust_env=False).json())
    idt = jwt.decode(tok["id_token"], keys, algorithms=["RS256"])
    assert idt.header["alg"] == "RS256"
    claims = idt.claims
    assert claims["iss"] == sandbox["idp"]
    assert creds["client_id"] in (claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]])
    assert claims["nonce"] == params["nonce"]
    assert claims["exp"] > claims["iat"]
    assert claims["SoDinhDanh"] == CITIZEN["SoDinhDanh"]
    info = httpx.get(sandbox["idp"] + "/userinfo", trust_env=False,
                     headers={"Authorization": "Bearer " + tok["access_token"]}).json()
    assert info == {
        "sub": "001090012345", "SoDinhDanh": "001090012345", "HoVaTen": "Nguyễn Văn An",
        "NgayThangNamSinh": "19900215", "GioiTinh": "Nam",
        "ThuongTru": "Số 12 Phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        "SoDienThoai": "0912345678", "ThuDienTu": "nguyenvanan@example.vn"}
    # a tampered token is refused by the signature check
    h, p, s = tok["id_token"].split(".")
    bad = ".".join([h, p, s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB")])
    try:
        jwt.decode(bad, keys, algorithms=["RS256"])
        raise AssertionError("tampered ID token accepted")
    except Exception as e:  # noqa: BLE001
        assert "AssertionError" not in type(e).__name__
    # single sign-on: the next authorize answers at once with a code
    c.follow_redirects = False
    _, r = _authorize(c, sandbox, creds)
    assert r.status_code == 302 and "code=" in r.headers["location"]


def test_replayed_code_rejected(sandbox, test_client_creds):
    _, _, code = _login_and_get_code(sandbox, test_client_creds)
    assert _token(sandbox, test_client_creds, code).status_code == 200
    r = _token(sandbox, test_client_creds, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_wrong_secret_and_bad_bearer(sandbox, test_client_creds):
    _, _, code = _login_and_get_code(sandbox, test_client_creds)
    r = _token(sandbox, dict(test_client_creds, client_secret="wrong"), code)
    assert r.status_code == 401
    r = httpx.get(sandbox["idp"] + "/userinfo", headers={"Authorization": "Bearer nope"},
                  trust_env=False)
    assert r.status_code == 401


def test_unregistered_redirect_uri_rejected(sandbox, test_client_creds):
    c = browser()
    c.follow_redirects = False
    _, r = _authorize(c, sandbox, test_client_creds, redirect_uri="http://127.0.0.99:9/oidc/callback")
    assert r.status_code == 400 and "location" not in r.headers
    _, r = _authorize(c, sandbox, test_client_creds, client_id="unknown-client")
    assert r.status_code == 400


def test_missing_nonce_rejected(sandbox, test_client_creds):
    c = browser()
    c.follow_redirects = False
    _, r = _authorize(c, sandbox, test_client_creds, nonce="")
    assert r.status_code in (302, 400)
    if r.status_code == 302:
        assert "error=" in r.headers["location"]


def test_wrong_password(sandbox):
    c = browser()
    r = c.post(sandbox["idp"] + "/dang-nhap", data={"so_dinh_danh": "001090012345", "mat_khau": "x"})
    assert r.status_code == 401 and 'role="alert"' in r.text
