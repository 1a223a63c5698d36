"""A portal that cannot be reached is a verdict ("không kiểm tra được" with the reason),
never a crash of the tool."""
from __future__ import annotations

import socket

import pytest

from tests.e2e.conftest import ROOT, run_pytest_tool

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
    run = run_pytest_tool([ROOT / "sandbox" / "scenarios" / "2.000635.yaml"], tmp_path / "run", "-k", "tham-chieu",
                          env_file=env, timeout=300)
    records = run.records
    assert records, run.output
    assert {r["outcome"] for r in records} == {"khong_kiem_tra_duoc"}
    assert all("không đăng nhập được" in r["reason"] for r in records)
    assert "Traceback" not in run.output
    assert run.returncode == 0, run.output[-2000:]  # skipped items, not errors
