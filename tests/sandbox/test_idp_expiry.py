"""Expired authorization codes and tokens are refused (a sandbox with lifetimes of 1 and 3 s)."""
from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.conftest import start_sandbox
from tests.sandbox.test_idp import _login_and_get_code, _token


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    yield from start_sandbox(tmp_path_factory.mktemp("short-lived"),
                             DVC_SANDBOX_CODE_TTL="1", DVC_SANDBOX_TOKEN_TTL="3")


def test_expired_code_rejected(short_lived, test_client_creds):
    _, _, code = _login_and_get_code(short_lived, test_client_creds)
    time.sleep(2.2)
    r = _token(short_lived, test_client_creds, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_expired_access_token_rejected(short_lived, test_client_creds):
    _, _, code = _login_and_get_code(short_lived, test_client_creds)
    token = _token(short_lived, test_client_creds, code).json()["access_token"]
    userinfo = short_lived["idp"] + "/userinfo"
    assert httpx.get(userinfo, headers={"Authorization": "Bearer " + token}, trust_env=False).status_code == 200
    time.sleep(4.2)
    assert httpx.get(userinfo, headers={"Authorization": "Bearer " + token}, trust_env=False).status_code == 401
