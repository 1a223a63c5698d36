"""Identity provider standing for VNeID: an OpenID Connect provider built on Authlib."""
from __future__ import annotations

import os

import secrets
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, redirect, render_template, request, session
from joserfc.jwk import RSAKey

from .web import base_app

# Lifetimes can be shortened for tests of expiry (the sandbox's own tests set them).
CODE_TTL = int(os.environ.get("DVC_SANDBOX_CODE_TTL", 120))     # seconds an authorization code stays valid
TOKEN_TTL = int(os.environ.get("DVC_SANDBOX_TOKEN_TTL", 900))   # access token / ID token lifetime
CLAIMS = ["SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "GioiTinh", "ThuongTru",
          "SoDienThoai", "ThuDienTu"]


class Client(ClientMixin):
    def __init__(self, client_id, client_secret, redirect_uris, name, base_url):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.name = name
        self.base_url = base_url
        self.client_metadata = {}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        allowed = {"openid", "profile"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(self.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


class AuthCode:
    def __init__(self, code, client_id, redirect_uri, scope, user_id, nonce):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.user_id = user_id
        self.nonce = nonce
        self.auth_time = int(time.time())

    def is_expired(self):
        return time.time() > self.auth_time + CODE_TTL

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Token:
    def __init__(self, data, client_id, user_id):
        self.access_token = data["access_token"]
        self.scope = data.get("scope", "")
        self.expires_in = int(data.get("expires_in", TOKEN_TTL))
        self.issued_at = int(time.time())
        self.client_id = client_id
        self.user_id = user_id

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return False


class Provider:
    """State of the identity provider: clients, codes, tokens, signing key."""

    def __init__(self, base_url: str, citizens: dict[str, dict]):
        self.issuer = base_url
        self.citizens = citizens
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, AuthCode] = {}
        self.used_nonces: set[tuple[str, str]] = set()
        self.tokens: dict[str, Token] = {}
        self.lock = threading.Lock()
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "vneid-" + secrets.token_hex(4), "use": "sig", "alg": "RS256"},
            private=True)

    def register_client(self, name: str, base_url: str, client_id: str | None = None,
                        client_secret: str | None = None) -> Client:
        c = Client(client_id or "client-" + secrets.token_hex(8),
                   client_secret or secrets.token_urlsafe(32),
                   [base_url + "/oidc/callback"], name, base_url)
        self.clients[c.client_id] = c
        return c

    def user_info(self, user_id: str) -> UserInfo:
        c = self.citizens[user_id]
        info = UserInfo(sub=c["SoDinhDanh"])
        for k in CLAIMS:
            info[k] = c[k]
        return info


def make_idp_app(provider: Provider) -> Flask:
    app = base_app("idp")
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": TOKEN_TTL}
    app.config["SESSION_COOKIE_NAME"] = "vneid_session"
    p = provider

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            ac = AuthCode(code, req.client.client_id, req.payload.redirect_uri,
                          req.payload.scope, req.user, req.payload.data.get("nonce"))
            with p.lock:
                p.codes[code] = ac
            return ac

        def query_authorization_code(self, code, client):
            with p.lock:
                ac = p.codes.get(code)
            if ac and ac.client_id == client.client_id and not ac.is_expired():
                return ac
            return None

        def delete_authorization_code(self, authorization_code):
            with p.lock:
                p.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user_id

    class OIDCCode(OpenIDCode):
        def exists_nonce(self, nonce, req):
            with p.lock:
                return (req.payload.client_id, nonce) in p.used_nonces

        def resolve_client_private_key(self, client):
            return p.key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_encode_header(self, client):
            return {"alg": "RS256", "kid": p.key.kid}

        def get_client_claims(self, client):
            now = int(time.time())
            return {"iss": p.issuer, "aud": [client.client_id], "iat": now, "exp": now + TOKEN_TTL}

        def generate_user_info(self, user, scope):
            return p.user_info(user)

    def query_client(client_id):
        return p.clients.get(client_id)

    def save_token(token, req):
        with p.lock:
            p.tokens[token["access_token"]] = Token(token, req.client.client_id, req.user)

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(CodeGrant, [OIDCCode(require_nonce=True)])

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string):
            with p.lock:
                return p.tokens.get(token_string)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    def error_page(msg, status=400):
        return render_template("idp_error.html", message=msg), status

    @app.get("/")
    def home():
        return render_template("idp_home.html", user=p.citizens.get(session.get("uid") or ""))

    @app.get("/.well-known/openid-configuration")
    def discovery():
        b = p.issuer
        return jsonify({
            "issuer": b,
            "authorization_endpoint": b + "/authorize",
            "token_endpoint": b + "/token",
            "userinfo_endpoint": b + "/userinfo",
            "jwks_uri": b + "/jwks",
            "end_session_endpoint": b + "/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", *CLAIMS],
        })

    @app.get("/jwks")
    def jwks():
        return jsonify({"keys": [p.key.as_dict(private=False)]})

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        uid = session.get("uid")
        try:
            grant = server.get_consent_grant(end_user=uid)
        except OAuth2Error as e:
            return error_page(f"Yêu cầu xác thực không hợp lệ: {e.error} — {e.description or ''}")
        if not uid or uid not in p.citizens:
            session["authz_next"] = request.full_path
            return redirect("/dang-nhap")
        return server.create_authorization_response(grant_user=uid, grant=grant)

    @app.route("/dang-nhap", methods=["GET", "POST"])
    def login():
        error = None
        so = ""
        if request.method == "POST":
            so = (request.form.get("so_dinh_danh") or "").strip()
            pw = request.form.get("mat_khau") or ""
            c = p.citizens.get(so)
            if c and secrets.compare_digest(c["password"], pw):
                nxt = session.get("authz_next") or request.form.get("next") or ""
                session.clear()
                session["uid"] = so
                if not nxt.startswith("/authorize"):
                    nxt = "/"
                return redirect(nxt)
            error = "Số định danh cá nhân hoặc mật khẩu không đúng."
        return render_template("idp_login.html", error=error, so=so,
                               next=session.get("authz_next") or ""), (401 if error else 200)

    @app.get("/logout")
    def logout():
        session.clear()
        target = request.args.get("post_logout_redirect_uri") or ""
        for c in p.clients.values():
            if target == c.base_url or target.startswith(c.base_url + "/"):
                return redirect(target)
        return render_template("idp_error.html", message="Bạn đã đăng xuất khỏi VNeID.",
                               title="Đã đăng xuất")

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.get("/userinfo")
    @require_oauth("openid")
    def userinfo():
        from authlib.integrations.flask_oauth2 import current_token
        return jsonify(dict(p.user_info(current_token.user_id)))

    return app
