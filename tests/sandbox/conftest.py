"""Fixtures for the sandbox's own tests: one sandbox process for the whole session."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_CLIENT_ID = "sandbox-test-client"
# Random per test session, but one value even if this module is imported twice (as pytest's
# conftest and as tests.sandbox.conftest).
TEST_CLIENT_SECRET = os.environ.setdefault("DVC_TEST_CLIENT_SECRET", "test-secret-" + os.urandom(8).hex())
TEST_CLIENT_BASE = "http://127.0.0.9:9"   # nothing listens: tests read the Location header


def start_sandbox(folder: Path, *args: str, **environment: str):
    """Start a sandbox process with the test client registered (`args`: more command-line
    arguments, e.g. its own --profiles); yield its URLs, then stop it and check it stopped
    cleanly."""
    urls_file = folder / "urls.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--urls-file", str(urls_file), "--port", "0",
         "--extra-client", f"{TEST_CLIENT_ID}:{TEST_CLIENT_SECRET}@{TEST_CLIENT_BASE}", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **environment})
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("sandbox did not start: " + proc.stderr.read())
    urls = json.loads(line)
    assert json.loads(urls_file.read_text(encoding="utf-8")) == urls
    yield urls
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, proc.stderr.read()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    yield from start_sandbox(tmp_path_factory.mktemp("sandbox"))


@pytest.fixture(scope="session")
def test_client_creds():
    return {"client_id": TEST_CLIENT_ID, "client_secret": TEST_CLIENT_SECRET,
            "redirect_uri": TEST_CLIENT_BASE + "/oidc/callback"}
