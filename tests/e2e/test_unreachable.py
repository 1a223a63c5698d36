"""A portal that cannot be reached is a verdict ("không kiểm tra được" with the reason),
never a crash of the tool."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket goes


def test_unreachable_federation_gives_khong_kiem_tra_duoc(tmp_path):
    port = _closed_port()
    env = tmp_path / "env.yaml"
    env.write_text(f"""name: khong-toi-duoc
test_system: true
addresses:
  national: http://127.0.0.1:{port}
  units: {{tham-chieu: "http://127.0.0.1:{port}"}}
login:
  steps:
    - goto: "{{national}}/"
    - click: "Đăng nhập"
""", encoding="utf-8")
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "scenarios" / "2.000635.yaml"),
                           "-k", "tham-chieu", "--rootdir", str(ROOT), "-p", "engine.plugin", "--noconftest",
                           "-p", "no:cacheprovider", "--dvc-env", str(env), "--dvc-run-dir", str(run_dir), "-q"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    from engine.results import read_results
    records = read_results(run_dir)
    assert records, done.stdout + done.stderr
    assert {r["outcome"] for r in records} == {"khong_kiem_tra_duoc"}
    assert all("không đăng nhập được" in r["reason"] for r in records)
    assert "Traceback" not in done.stdout
    assert done.returncode == 0, done.stdout[-2000:]  # skipped items, not errors
