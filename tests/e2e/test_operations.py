"""Issue 6, end to end: shards + merge, resume after SIGKILL, a remote browser through CDP,
the saved-session check of real portals, the login helper, JUnit properties and progress.

Every run is the tool itself in a subprocess against the one shared sandbox."""
from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.browser import QUIET_FLAGS, system_chromium
from engine.config import SANDBOX_URLS_VARIABLE
from engine.results import RESULTS_FILE, read_results
from engine.shard import shard_of
from tests.e2e.conftest import ROOT, ToolRun, write_scenario

pytestmark = pytest.mark.e2e

# Two of these fall in shard 1/2 and one in 2/2 (sha1 of "2.000635[target]").
TARGETS = ["tham-chieu", "ve-trang-chu", "khong-tu-dien"]
CRITERIA = "redirect,sso"
EXPECTED = {("tham-chieu", "redirect"): "dat", ("tham-chieu", "sso"): "dat",
            ("ve-trang-chu", "redirect"): "chua_dat", ("ve-trang-chu", "sso"): "dat",
            ("khong-tu-dien", "redirect"): "dat", ("khong-tu-dien", "sso"): "dat"}


def _environ(sandbox, **extra: str) -> dict[str, str]:
    return dict(os.environ, **{SANDBOX_URLS_VARIABLE: str(sandbox["urls_file"])}, **extra)


def _pytest_command(scenario: Path, run_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", str(scenario), "--rootdir", str(ROOT), "-p", "engine.plugin",
            "--noconftest", "-p", "no:cacheprovider", "--dvc-run-dir", str(run_dir), "-q",
            "--dvc-criteria", CRITERIA, *args]


def _cli(sandbox, *args: str, environ: dict | None = None, stdin: str | None = None, timeout: int = 600):
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=ROOT,
                          env=environ or _environ(sandbox), capture_output=True, text=True, timeout=timeout,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)


def _raw_items(run_dir: Path) -> list[str]:
    lines = (run_dir / RESULTS_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["item"] for line in lines if line.strip()]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    base = tmp_path_factory.mktemp("operations")
    return write_scenario(base, ROOT / "sandbox" / "scenarios" / "2.000635.yaml", targets=TARGETS)


@pytest.fixture(scope="module")
def full_run(sandbox, small, tmp_path_factory):
    """One unsharded, uninterrupted run: what shards + merge and resume must equal."""
    run_dir = tmp_path_factory.mktemp("full") / "run"
    done = subprocess.run(_pytest_command(small, run_dir), cwd=ROOT, env=_environ(sandbox),
                          capture_output=True, text=True, timeout=600)
    run = ToolRun(done.returncode, done.stdout + done.stderr, run_dir)
    assert run.outcomes() == EXPECTED, run.output[-3000:]
    return run


# ----------------------------------------------------------------------------- shards + merge


def test_two_shards_and_merge_equal_one_run(sandbox, small, full_run, tmp_path):
    shards = {1: [t for t in TARGETS if shard_of(f"2.000635[{t}]", 2) == 1],
              2: [t for t in TARGETS if shard_of(f"2.000635[{t}]", 2) == 2]}
    assert shards[1] and shards[2], "the subset must put targets in both shards"
    dirs = []
    for index in (1, 2):
        run_dir = tmp_path / f"shard-{index}"
        done = _cli(sandbox, "run", str(small), "--run-dir", str(run_dir), "--criteria", CRITERIA,
                    "--shard", f"{index}/2", "--junit", "-n", "0")  # in-process: the deselection is printed
        assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
        records = read_results(run_dir)
        assert {r["target"] for r in records} == set(shards[index])  # all items of a target together
        assert f"{6 - 2 * len(shards[index])} deselected" in done.stdout
        dirs.append(run_dir)
    merged_dir = tmp_path / "merged"
    done = _cli(sandbox, "merge", str(merged_dir), *map(str, dirs))
    assert done.returncode == 1, done.stdout + done.stderr  # ve-trang-chu does not conform
    assert "Đã gộp 6 mục từ 2 phân đoạn" in done.stdout
    merged = ToolRun(done.returncode, done.stdout, merged_dir)
    assert merged.outcomes() == full_run.outcomes()
    assert sorted(_raw_items(merged_dir)) == sorted(_raw_items(full_run.run_dir))
    assert (merged_dir / "index.html").exists() and (merged_dir / "summary.json").exists()
    summary = json.loads((merged_dir / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["units"]) == 3
    # --junit: each test case carries the verdict as properties, for CI dashboards.
    import xml.etree.ElementTree as ET
    owner = dirs[shard_of("2.000635[ve-trang-chu]", 2) - 1]
    cases = {case.get("name"): case for case in ET.parse(owner / "junit.xml").getroot().iter("testcase")}
    case = next(c for name, c in cases.items() if "ve-trang-chu" in name and "redirect" in name)
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["outcome"] == "chua_dat"
    assert properties["sentence"].startswith("Chưa thực hiện điều hướng chính xác")
    assert properties["unit"]
    assert case.find("failure") is not None


def test_progress_line_per_unit(full_run):
    lines = [line for line in full_run.output.splitlines() if re.match(r"^\[\d+/3\] ", line)]
    assert len(lines) == 3, full_run.output[-3000:]
    assert [line.split("]")[0] for line in lines] == ["[1/3", "[2/3", "[3/3"]
    assert any(line.endswith(": 1 đạt, 1 chưa đạt") for line in lines), lines
    assert any(line.endswith(": 2 đạt") for line in lines), lines


# ----------------------------------------------------------------------------- resume


def test_resume_after_sigkill(sandbox, small, full_run, tmp_path):
    run_dir = tmp_path / "killed"
    results = run_dir / RESULTS_FILE
    process = subprocess.Popen(_pytest_command(small, run_dir), cwd=ROOT, env=_environ(sandbox),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if results.exists() and results.read_bytes().count(b"\n") >= 1:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be killed"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the run and its browser, as an OOM killer would
        process.wait(timeout=30)
    before = _raw_items(run_dir)
    assert 1 <= len(before) < len(EXPECTED), before
    done = subprocess.run(_pytest_command(small, run_dir, "--dvc-resume"), cwd=ROOT, env=_environ(sandbox),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(before)} deselected" in done.stdout
    after = _raw_items(run_dir)
    assert len(after) == len(_raw_items(full_run.run_dir)) == len(EXPECTED)
    assert len(set(after)) == len(after), "an item was written twice"
    assert after[:len(before)] == before  # nothing finished was lost or rewritten
    resumed = ToolRun(done.returncode, done.stdout, run_dir)
    assert resumed.outcomes() == full_run.outcomes()
    assert (run_dir / "index.html").exists()
    # Resuming a finished run runs nothing and is not an error.
    again = subprocess.run(_pytest_command(small, run_dir, "--dvc-resume"), cwd=ROOT, env=_environ(sandbox),
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-2000:]
    assert _raw_items(run_dir) == after


# ----------------------------------------------------------------------------- remote browser


@pytest.fixture
def local_chromium(tmp_path):
    """A Chromium started by hand with a DevTools endpoint on loopback."""
    executable = system_chromium() or "/usr/bin/chromium"
    process = subprocess.Popen([executable, "--headless=new", "--no-sandbox", "--remote-debugging-port=0",
                                "--remote-debugging-address=127.0.0.1", f"--user-data-dir={tmp_path / 'profile'}",
                                *QUIET_FLAGS, "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    endpoint = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            endpoint = found.group(1)
            break
    assert endpoint, "Chromium did not print its DevTools address"
    yield process, endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _launch_marker(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for Chromium that notes each launch, then starts the real one."""
    marker = tmp_path / "launched"
    wrapper = tmp_path / "chromium-wrapper"
    wrapper.write_text(f"#!/bin/sh\necho launched >> '{marker}'\nexec '{system_chromium() or '/usr/bin/chromium'}' \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper, marker


def test_a_run_through_a_cdp_endpoint(sandbox, small, local_chromium, tmp_path):
    chromium, endpoint = local_chromium
    wrapper, marker = _launch_marker(tmp_path)
    environ = _environ(sandbox, DVC_CHROMIUM=str(wrapper))
    run_dir = tmp_path / "cdp"
    done = subprocess.run(_pytest_command(small, run_dir, "-k", "tham-chieu", "--dvc-cdp-endpoint", endpoint),
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600)
    run = ToolRun(done.returncode, done.stdout + done.stderr, run_dir)
    assert run.outcomes() == {("tham-chieu", "redirect"): "dat", ("tham-chieu", "sso"): "dat"}, run.output[-3000:]
    assert not marker.exists(), "the run launched its own browser"
    assert chromium.poll() is None, "the run closed the remote browser"
    # The control: the same run without the endpoint launches through the wrapper.
    control = subprocess.run(_pytest_command(small, tmp_path / "control", "-k", "tham-chieu", "--dvc-criteria",
                                             "redirect"), cwd=ROOT, env=environ, capture_output=True, text=True,
                             timeout=600)
    assert control.returncode == 0, control.stdout[-2000:]
    assert marker.exists()


def test_an_unreachable_remote_browser_stops_the_run_with_one_message(sandbox, small, tmp_path):
    run_dir = tmp_path / "nobody"
    done = _cli(sandbox, "run", str(small), "--run-dir", str(run_dir), "--criteria", "redirect",
                "--cdp-endpoint", "http://127.0.0.1:9")  # the discard port: nobody listens
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-2000:]
    assert output.count("Không kết nối được trình duyệt từ xa (CDP) tại http://127.0.0.1:9") == 1, output[-2000:]
    assert "Traceback" not in output and not (run_dir / RESULTS_FILE).exists()


PLAYWRIGHT_SERVER = """
const { chromium } = require(process.argv[2]);
(async () => {
  const server = await chromium.launchServer({ executablePath: process.argv[3], headless: true,
    host: '127.0.0.1', port: 0, args: ['--no-sandbox', ...process.argv.slice(4)] });
  console.log('WS ' + server.wsEndpoint());
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
  process.stdin.resume();
})();
"""


def test_a_run_through_a_playwright_server(sandbox, small, tmp_path):
    """``--dvc-ws-endpoint``: a Playwright server (what ``playwright run-server`` or a grid
    offers), started here with Playwright's own Node driver on the system Chromium."""
    import playwright
    driver = Path(playwright.__file__).parent / "driver"
    script = tmp_path / "server.js"
    script.write_text(PLAYWRIGHT_SERVER, encoding="utf-8")
    server = subprocess.Popen([str(driver / "node"), str(script), str(driver / "package"),
                               system_chromium() or "/usr/bin/chromium", *QUIET_FLAGS],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("WS ws://127.0.0.1:"), line
        wrapper, marker = _launch_marker(tmp_path)
        run_dir = tmp_path / "ws"
        done = subprocess.run(_pytest_command(small, run_dir, "-k", "tham-chieu", "--dvc-criteria", "redirect",
                                              "--dvc-ws-endpoint", line.split()[1]),
                              cwd=ROOT, env=_environ(sandbox, DVC_CHROMIUM=str(wrapper)),
                              capture_output=True, text=True, timeout=600)
        run = ToolRun(done.returncode, done.stdout + done.stderr, run_dir)
        assert run.outcomes() == {("tham-chieu", "redirect"): "dat"}, run.output[-3000:]
        assert not marker.exists(), "the run launched its own browser"
        assert server.poll() is None
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# ----------------------------------------------------------------------------- real-portal sessions


def _session_env(tmp_path: Path, state: Path, name: str = "stale") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"""name: {name}
test_system: true
addresses: sandbox
login:
  storage_state: {state}
  check: {{goto: "{{national}}/", text: "Đăng xuất"}}
""", encoding="utf-8")
    return path


def test_an_expired_session_stops_the_run_before_any_item(sandbox, small, tmp_path):
    state = tmp_path / "state" / "stale.json"
    state.parent.mkdir()
    state.write_text(json.dumps({"cookies": [], "origins": []}), encoding="utf-8")
    run_dir = tmp_path / "expired"
    done = _cli(sandbox, "run", str(small), "--run-dir", str(run_dir), "--criteria", CRITERIA,
                "--env", str(_session_env(tmp_path, state)), "--junit")
    output = done.stdout + done.stderr
    assert done.returncode == 3, output[-3000:]
    assert "đã hết hạn" in output and "dvc-conformance login --env" in output, output[-3000:]
    assert output.count("đã hết hạn hoặc không còn hiệu lực") == 1
    assert not (run_dir / RESULTS_FILE).exists()
    assert not re.search(r"\d+ (passed|failed|skipped)", output), output[-3000:]
    # Plain pytest stops the same way, with its own distinct status.
    plain = subprocess.run(_pytest_command(small, tmp_path / "plain", "--dvc-env", str(_session_env(tmp_path, state))),
                           cwd=ROOT, env=_environ(sandbox), capture_output=True, text=True, timeout=600)
    assert plain.returncode == 13, plain.stdout[-2000:] + plain.stderr[-2000:]
    assert not (tmp_path / "plain" / RESULTS_FILE).exists()


def test_a_missing_session_stops_the_run(sandbox, small, tmp_path):
    run_dir = tmp_path / "missing"
    done = _cli(sandbox, "run", str(small), "--run-dir", str(run_dir), "--criteria", CRITERIA,
                "--env", str(_session_env(tmp_path, tmp_path / "nowhere.json")))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Chưa có phiên đăng nhập đã lưu" in done.stdout + done.stderr
    assert not (run_dir / RESULTS_FILE).exists()


def test_a_valid_saved_session_is_used(sandbox, small, tmp_path, monkeypatch, browser):
    """The control: a session saved after signing in passes the check and the walk uses it."""
    from engine.config import load_citizens, load_environment
    from engine.journey import login_state
    from engine.login import save_storage_state
    monkeypatch.setenv(SANDBOX_URLS_VARIABLE, str(sandbox["urls_file"]))
    environment = load_environment(ROOT / "config" / "environments" / "sandbox.yaml")
    citizen = load_citizens()["cong-dan-1"]
    state = tmp_path / "state" / "valid.json"
    signed_in = login_state(browser, environment, citizen, {})  # the session's browser
    context = browser.new_context(storage_state=signed_in)
    save_storage_state(context, state)
    context.close()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    run_dir = tmp_path / "valid"
    done = _cli(sandbox, "run", str(small), "--run-dir", str(run_dir), "--criteria", CRITERIA, "-k", "tham-chieu",
                "--env", str(_session_env(tmp_path, state, name="saved")))
    run = ToolRun(done.returncode, done.stdout + done.stderr, run_dir)
    assert done.returncode == 0, run.output[-3000:]
    assert run.outcomes() == {("tham-chieu", "redirect"): "dat", ("tham-chieu", "sso"): "dat"}


def test_login_refuses_a_path_inside_the_repository(sandbox, tmp_path):
    inside = ROOT / "config" / "storage-state.json"
    done = _cli(sandbox, "login", "--env", str(_session_env(tmp_path, inside)), "--headless")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "không lưu phiên đăng nhập trong thư mục mã nguồn" in done.stdout
    assert not inside.exists()


def test_login_saves_the_session_mode_600_when_the_check_text_appears(sandbox, tmp_path):
    state = tmp_path / "home" / ".config" / "dvc" / "state.json"
    env_file = tmp_path / "login.yaml"
    # "Đăng nhập" is shown to a signed-out visitor: it stands for the tester having signed in.
    env_file.write_text(f"""name: login
test_system: true
addresses: sandbox
login:
  storage_state: {state}
  check: {{goto: "{{national}}/", text: "Đăng nhập"}}
""", encoding="utf-8")
    done = _cli(sandbox, "login", "--env", str(env_file), "--headless", "--timeout", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Đã lưu phiên đăng nhập" in done.stdout
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert "cookies" in json.loads(state.read_text(encoding="utf-8"))


def test_login_saves_on_enter_and_warns_when_not_signed_in(sandbox, tmp_path):
    state = tmp_path / "enter" / "state.json"
    done = _cli(sandbox, "login", "--env", str(_session_env(tmp_path, state)), "--headless", "--timeout", "60",
                stdin="\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chưa thấy \"Đăng xuất\"" in done.stdout
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_the_run_command_bounds_each_target_by_its_budget(sandbox, tmp_path):
    # --target-budget wins over the scenario's threshold (1200 s by default): a portal frozen
    # by its own script is cut after 8 s, and the reason says which budget cut it.
    import yaml
    data = yaml.safe_load((ROOT / "sandbox" / "scenarios" / "2.000635.yaml").read_text(encoding="utf-8"))
    data["targets"] = [{"id": "treo-trang", "unit": "treo-trang"}]
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / "2.000635.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    run_dir = tmp_path / "run"
    started = time.monotonic()
    done = _cli(sandbox, "run", str(path), "--run-dir", str(run_dir), "--criteria", "redirect,autofill",
                "--target-budget", "8", "-n", "0", timeout=300)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]  # nothing judged, nothing failed
    records = read_results(run_dir)
    assert {r["criterion"] for r in records} == {"redirect", "autofill"}
    for record in records:
        assert record["outcome"] == "khong_kiem_tra_duoc", record
        assert "(8 giây, ngưỡng target_budget_s)" in record["reason"], record
    assert elapsed < 120, elapsed  # not the 1200 s of the scenario's default
