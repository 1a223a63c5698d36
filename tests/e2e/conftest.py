"""End-to-end fixtures: one embedded sandbox for the whole test session, and a helper that
runs the tool itself (``pytest scenarios/...`` in a subprocess, as a user would) against it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.config import SANDBOX_URLS_VARIABLE
from engine.results import read_results
from engine.sandbox_process import SandboxProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox as its own process; its URLs file is handed to every tool run."""
    process = SandboxProcess()
    urls = process.start()
    yield {"urls": urls, "urls_file": process.urls_file, "process": process}
    process.stop()


@dataclass
class ToolRun:
    returncode: int
    output: str
    run_dir: Path

    @property
    def records(self) -> list[dict]:
        return read_results(self.run_dir)

    def outcomes(self) -> dict[tuple[str, str], str]:
        return {(r["target"], r["criterion"]): r["outcome"] for r in self.records}


def run_pytest_tool(scenarios: list[Path], run_dir: Path, *args: str, urls_file: Path | None = None,
                    env_file: Path | None = None, timeout: int = 600) -> ToolRun:
    """Run the tool as a user would (pytest on scenario files, in its own process)."""
    environ = dict(os.environ)
    if urls_file is not None:
        environ[SANDBOX_URLS_VARIABLE] = str(urls_file)
    command = [sys.executable, "-m", "pytest", *[str(s) for s in scenarios], "--rootdir", str(ROOT),
               "-p", "engine.plugin", "--noconftest", "-p", "no:cacheprovider", "--dvc-run-dir", str(run_dir),
               "-q", *args]
    if env_file:
        command += ["--dvc-env", str(env_file)]
    done = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout)
    return ToolRun(done.returncode, done.stdout + done.stderr, run_dir)


@pytest.fixture
def run_tool(sandbox, tmp_path):
    """Run the tool on scenario files against the shared sandbox; return its results."""
    def run(*args: str, scenarios: list[Path] | None = None, env_file: Path | None = None) -> ToolRun:
        run_dir = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
        return run_pytest_tool(scenarios or [ROOT / "sandbox" / "scenarios"], run_dir, *args,
                               urls_file=sandbox["urls_file"], env_file=env_file)
    return run


def write_scenario(directory: Path, source: Path, targets: list[str] | None = None, **replace: str) -> Path:
    """A copy of a scenario in a folder named scenarios/, restricted to some targets."""
    import yaml
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if targets is not None:
        data["targets"] = [t for t in data["targets"] if t["id"] in targets]
    folder = directory / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / source.name
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    for old, new in replace.items():
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path
