"""The client side of single sign-on, shared by the national portal and the unit portals:
Authlib's Flask client (state, nonce and the ID token's signature checked against JWKS)."""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, session

CLAIMS = ["sub", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "GioiTinh", "ThuongTru",
          "SoDienThoai", "ThuDienTu"]


def register_client(app: Flask, idp_url: str, client_id: str, client_secret: str):
    oauth = OAuth(app)
    oauth.register(
        "vneid",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=idp_url + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "timeout": 10},
    )
    return oauth.vneid


def finish_login(client) -> dict:
    """Complete the code flow at the callback: checks state, exchanges the code, verifies
    the ID token (signature via JWKS, iss, aud, nonce), then reads userinfo.
    Raises on any failure."""
    token = client.authorize_access_token()
    id_claims = token.get("userinfo") or {}
    info = client.userinfo(token=token)
    if info.get("sub") != id_claims.get("sub"):
        raise ValueError("userinfo sub differs from the ID token's")
    user = {k: str(info.get(k, "")) for k in CLAIMS}
    # keep the session small: no tokens in the cookie
    for k in [k for k in session.keys() if k.startswith("_state_")]:
        session.pop(k, None)
    return user
