"""Start the embedded sandbox as its own process and learn its addresses.

The engine does not import the sandbox: it runs ``python -m sandbox`` and reads the URLs
file the sandbox writes once every app listens, as it would learn a remote federation's
addresses from configuration.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class SandboxError(RuntimeError):
    pass


class SandboxProcess:
    def __init__(self, log_path: Path | None = None, extra_args: list[str] | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="dvc-sandbox-"))
        self.urls_file = self.dir / "urls.json"
        self.log_path = log_path or self.dir / "sandbox.log"
        self.extra_args = extra_args or []
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 30.0) -> dict:
        root = Path(__file__).resolve().parent.parent
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--urls-file", str(self.urls_file), "--port", "0", *self.extra_args],
            cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.urls_file.exists():
                return json.loads(self.urls_file.read_text(encoding="utf-8"))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop(keep_files=True)  # the error points at the log: it stays
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log_path.exists() else ""
        raise SandboxError(f"sandbox không khởi động được (xem {self.log_path}):\n{tail}")

    def stop(self, keep_files: bool = False) -> None:
        """Stop the sandbox and remove its scratch folder (the URLs file, and the log unless it
        was asked for elsewhere): a nightly run would otherwise leave one folder per night."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not keep_files:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> dict:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def export_urls(process: SandboxProcess, variable: str) -> None:
    os.environ[variable] = str(process.urls_file)
