"""The embedded sandbox's process: started, its addresses read, stopped without leftovers."""
from __future__ import annotations

import json

import pytest

from engine.sandbox_process import SandboxError, SandboxProcess


def test_stopping_the_sandbox_removes_its_scratch_folder():
    process = SandboxProcess(extra_args=["--set", "lab"])
    urls = process.start(timeout_s=60)
    assert urls["national"].startswith("http://127.")
    assert json.loads(process.urls_file.read_text(encoding="utf-8")) == urls
    process.stop()
    assert process.process.poll() is not None
    assert not process.dir.exists()
    process.stop()  # twice is harmless


def test_a_sandbox_that_cannot_start_keeps_its_log_for_the_error(tmp_path):
    process = SandboxProcess(extra_args=["--set", "no-such-set"])
    with pytest.raises(SandboxError) as raised:
        process.start(timeout_s=60)
    assert str(process.log_path) in str(raised.value)
    assert process.log_path.exists()
    process.stop()
