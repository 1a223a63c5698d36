"""Small shared pieces of the sandbox's Flask apps."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

HERE = Path(__file__).resolve().parent


def base_app(name: str) -> Flask:
    app = Flask(f"sandbox.{name}", template_folder=str(HERE / "templates"),
                static_folder=None)
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=20 * 1024 * 1024)
    app.json.ensure_ascii = False

    @app.after_request
    def _headers(resp):
        if resp.mimetype == "text/html" and "charset" not in (resp.content_type or ""):
            resp.content_type = "text/html; charset=utf-8"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    return app


def date_vn(yyyymmdd: str) -> str:
    s = yyyymmdd or ""
    return f"{s[6:8]}/{s[4:6]}/{s[0:4]}" if len(s) == 8 else s


class LazyApp:
    """A WSGI app whose target is set after the servers are bound (URLs need the port)."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting"]
        return self.app(environ, start_response)
