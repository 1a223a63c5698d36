"""The catalog sweep on the embedded sandbox: every failure class where the sandbox makes it,
the anti-bot page is "không kiểm tra được", the records are in the results format and the
report renders them; DNS, refused and TLS on links of our own making (loopback only)."""
from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter
from pathlib import Path

import pytest

from engine.config import SANDBOX_URLS_VARIABLE, load_environment
from engine.results import read_results
from engine.sweep import (LINKS_FILE, SweepOptions, links_from_catalog, main, origin, sweep_environment)
from tests.e2e.conftest import ROOT

def _in_thread(function, *args):
    """Run in a thread of its own: the Playwright session of another test may own this
    thread's event loop, and the sweep runs its own."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def _run_async(coroutine):
    return _in_thread(asyncio.run, coroutine)


pytestmark = pytest.mark.e2e

# dieu-huong-chap-chon is left out: its every-3rd-hand-off counter is shared with the
# browser tests of the same sandbox.
UNITS = ["tham-chieu", "dang-nhap-lai", "dang-ky-tai-khoan", "khong-ton-tai", "ve-trang-chu", "loi-het-gio",
         "loi-500", "loi-ngat-ket-noi", "loi-vong-lap", "thach-thuc-bot", "nhieu-he-thong", "tai-khoan-rieng"]
FAST = SweepOptions(per_host=4, timeout_s=1.5, connect_timeout_s=1.0, retries=1, backoff_s=0.05, breaker_after=5)

# What each kind of fault of the sandbox looks like to the sweep.
SERVICE_FAULT = {"error500": "http_5xx", "home": "home_page", "other_system": "ok"}
UNIT_FAULT = {"home": "home_page", "timeout": "timeout", "error500": "http_5xx", "reset": "reset",
              "redirect_loop": "redirect_loop"}


def expected_classes() -> dict[tuple[str, str], str]:
    """Ground truth from the sandbox's own (deterministic) catalog."""
    from sandbox.catalog import apply_catalog
    from sandbox.config import load_procedures, load_units
    procedures = load_procedures()
    units = load_units(None, procedures)
    apply_catalog(units, procedures)
    out = {}
    for u in units:
        mode = u.knobs["handoff"]
        for code in u.declared:
            fault = u.faults.get(code)
            if fault == "other_unit":            # the national portal's link: the unit never sees it
                klass = "other_unit"
            elif u.knobs["bot_challenge"]:
                klass = "challenge"
            elif mode in UNIT_FAULT:             # the unit's hand-off fails for every service
                klass = UNIT_FAULT[mode]
            elif fault in ("error500", "home", "other_system"):
                klass = SERVICE_FAULT[fault]
            elif fault == "missing" and mode != "not_found":
                klass = "http_4xx"               # said at once, before any sign-in
            elif u.knobs["require_registration"] or u.knobs["require_password_change"]:
                klass = "gate"
            elif mode == "not_found" or fault in ("not_found", "missing"):
                klass = "error_text"
            else:
                klass = "ok"
            out[(u.id, code)] = klass
    return out


@pytest.fixture(scope="module")
def environment(sandbox):
    mp = pytest.MonkeyPatch()
    mp.setenv(SANDBOX_URLS_VARIABLE, str(sandbox["urls_file"]))
    yield load_environment(ROOT / "config" / "environments" / "sandbox.yaml")
    mp.undo()


@pytest.fixture(scope="module")
def swept(environment, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("sweep") / "run"
    run = _run_async(sweep_environment(environment, run_dir, FAST, units=UNITS))
    return run, run_dir


def test_every_link_lands_in_its_class(swept):
    run, _ = swept
    expected = expected_classes()
    got = {(r.link.unit, r.link.code): r.klass for r in run.results}
    assert {u for u, _ in got} == set(UNITS)
    wrong = {k: (got[k], expected[k]) for k in got if got[k] != expected[k]}
    assert not wrong, wrong
    classes = Counter(got.values())
    for klass in ("ok", "http_4xx", "http_5xx", "timeout", "reset", "redirect_loop", "error_text", "home_page",
                  "other_unit", "challenge", "gate"):
        assert classes[klass], (klass, classes)


def test_sso_through_the_units_own_login_page(swept):
    run, _ = swept
    r = next(r for r in run.results if r.link.unit == "dang-nhap-lai" and r.link.code == "2.000635")
    assert r.klass == "ok" and r.final_url.endswith("/dvc/2.000635/nop-ho-so/buoc-1")


def test_not_found_text_after_sso_and_404_at_once(swept):
    run, _ = swept
    r = next(r for r in run.results if r.link.unit == "khong-ton-tai" and r.link.code == "2.000635")
    assert r.klass == "error_text" and r.status == 200
    assert "Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online" in r.detail
    missing = [r for r in run.results if r.link.unit == "tham-chieu" and r.klass != "ok"]
    assert not missing   # the reference declares only what it has
    r = next(r for r in run.results if r.klass == "http_4xx")
    assert r.status == 404 and "không tồn tại" in r.detail


def test_failing_host_is_left_alone(swept):
    run, _ = swept
    timeouts = [r for r in run.results if r.link.unit == "loi-het-gio" and r.klass == "timeout"]
    asked = [r for r in timeouts if not r.inferred]
    assert timeouts and any(r.inferred for r in timeouts)
    assert len(asked) <= FAST.breaker_after + FAST.per_host
    assert all(r.attempts <= FAST.retries + 1 for r in timeouts)


def _records(run_dir: Path) -> dict[tuple[str, str], dict]:
    return {(r["target"], r["criterion"]): r for r in read_results(run_dir)}


def test_records_in_the_results_format(swept):
    run, run_dir = swept
    records = _records(run_dir)
    assert len(records) == 3 * len(UNITS)
    keys = {"run_id", "item", "code", "procedure", "target", "unit", "criterion", "outcome", "sentence", "reason",
            "evidence", "duration_s", "finished_at", "dry_run"}
    for (unit, criterion), r in records.items():
        assert keys <= set(r), set(r) ^ keys
        assert r["item"] == f"sweep[{unit}]::{criterion}" and r["code"] == "" and r["procedure"] == ""
        assert r["unit"]["id"] == unit and r["unit"]["section"] == "sandbox" and r["run_id"] == run_dir.name
    ref = records[("tham-chieu", "provided_on_portal")]
    assert ref["outcome"] == "dat" and "41/41" in ref["sentence"]
    assert ref["sentence"].startswith("Có cung cấp dịch vụ công trực tuyến trên Cổng Dịch vụ công quốc gia")
    summary = ref["evidence"]["catalog"]
    assert summary["declared"] == summary["working"] == 41
    assert records[("tham-chieu", "single_system")]["outcome"] == "dat"

    partial = records[("tai-khoan-rieng", "provided_on_portal")]
    catalog = partial["evidence"]["catalog"]
    assert partial["outcome"] == "dat" and catalog["working"] < catalog["declared"]
    assert catalog["failures"]["http_4xx"]["examples"][0]["url"].startswith("http://127.0.0.16:")
    assert "không thực hiện được" in partial["sentence"]

    assert records[("khong-ton-tai", "provided_on_portal")]["outcome"] == "chua_dat"
    assert records[("tham-chieu", "service_exists")]["outcome"] == "dat"
    missing = records[("khong-ton-tai", "service_exists")]
    assert missing["outcome"] == "chua_dat" and "không tồn tại" in missing["sentence"], missing
    assert records[("khong-ton-tai", "provided_on_portal")]["sentence"].startswith("Chưa cung cấp DVCTT trên Cổng DVCQG")
    assert records[("loi-500", "provided_on_portal")]["outcome"] == "chua_dat"

    many = records[("nhieu-he-thong", "single_system")]
    assert many["outcome"] == "chua_dat"
    assert many["sentence"].startswith("Vẫn còn nhiều Hệ thống khác nhau ngoài HTTT giải quyết TTHC")
    assert len(many["evidence"]["systems"]) == 2
    assert any(h.startswith("127.0.1.") for h in many["evidence"]["systems"])
    assert records[("tai-khoan-rieng", "single_system")]["outcome"] == "chua_dat"


def test_challenge_is_not_checkable(swept):
    run, run_dir = swept
    challenged = [r for r in run.results if r.link.unit == "thach-thuc-bot" and r.klass == "challenge"]
    assert challenged and all(r.status == 200 for r in challenged)
    records = _records(run_dir)
    r = records[("thach-thuc-bot", "provided_on_portal")]
    assert r["outcome"] == "khong_kiem_tra_duoc" and "chống bot" in r["reason"]
    assert records[("thach-thuc-bot", "single_system")]["outcome"] == "khong_kiem_tra_duoc"
    # a gate (registration) of the unit's own system: the services are provided on the national
    # portal and reach the unit (the gate is the single sign-on finding), never "chưa đạt"
    gated = records[("dang-ky-tai-khoan", "provided_on_portal")]
    assert gated["outcome"] == "dat" and "đăng ký tài khoản" in gated["sentence"]


def test_links_file_and_report(swept):
    run, run_dir = swept
    lines = [json.loads(l) for l in (run_dir / LINKS_FILE).read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(run.results)
    assert {"unit", "code", "url", "class", "status", "final_url", "attempts"} <= set(lines[0])
    from engine.report import build_reports
    paths = build_reports(run_dir)
    page = paths["html"].read_text(encoding="utf-8")
    assert "41/41 DVCTT toàn trình đã công bố thực hiện được" in page
    assert "Vẫn còn nhiều Hệ thống khác nhau ngoài HTTT giải quyết TTHC" in page
    assert json.loads(paths["json"].read_text(encoding="utf-8"))


def test_dns_refused_tls(environment, tmp_path, monkeypatch):
    """Links of our own making, loopback only: a name that does not resolve (the resolver is
    stubbed: no DNS query leaves the machine), a port nobody listens on, https to a plain
    HTTP server."""
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    unit = environment.units["tham-chieu"]
    catalog = [{"MaTTHC": "2.000635", "TenTTHC": "Cấp bản sao Trích lục hộ tịch", "units": [
        {"unit": "dns", "name": "dns", "handoff_url": "http://khong-co-ten-mien.invalid/dvc/tiep-nhan?MaTTHC=2.000635"},
        {"unit": "refused", "name": "refused", "handoff_url": f"http://127.0.0.1:{port}/dvc/tiep-nhan?MaTTHC=2.000635"},
        {"unit": "tls", "name": "tls", "handoff_url": unit.replace("http://", "https://") + "/dvc/tiep-nhan?MaTTHC=2.000635"},
    ]}]
    run = _run_async(sweep_environment(environment, tmp_path / "run", FAST, catalog=catalog))
    got = {r.link.unit: r for r in run.results}
    assert {u: r.klass for u, r in got.items()} == {"dns": "dns", "refused": "refused", "tls": "tls"}
    assert all(r.attempts == 1 for r in got.values())   # none of these is transient
    records = _records(tmp_path / "run")
    assert records[("dns", "provided_on_portal")]["unit"]["section"] == "khac"
    assert records[("dns", "provided_on_portal")]["outcome"] == "chua_dat"


def test_storage_state_instead_of_signing_in(environment, swept, tmp_path):
    """Cookies of a browser session (Playwright's storage-state JSON) carry the sign-in."""
    import httpx
    from engine.sweep import make_client, sign_in_with_steps
    from engine.config import load_citizens

    async def cookies_of_a_session():
        async with make_client(FAST, keep_cookies=True) as client:
            await sign_in_with_steps(client, environment.login_steps, {
                "national": environment.national, "idp": environment.idp,
                "citizen": load_citizens()[environment.login_citizen]})
            return [{"name": c.name, "value": c.value, "domain": c.domain, "path": c.path, "expires": -1,
                     "httpOnly": True, "secure": False, "sameSite": "Lax"} for c in client.cookies.jar]

    state = tmp_path / "state.json"
    state.write_text(json.dumps({"cookies": _run_async(cookies_of_a_session()), "origins": []}), encoding="utf-8")
    run = _run_async(sweep_environment(environment, None, FAST, storage_state=state, units=["tham-chieu"]))
    assert run.sign_in.startswith("phiên đã lưu")
    assert {r.klass for r in run.results} == {"ok"}


def test_command_line(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SANDBOX_URLS_VARIABLE, str(sandbox["urls_file"]))
    code = _in_thread(main, ["--env", str(ROOT / "config" / "environments" / "sandbox.yaml"), "--run-dir", str(tmp_path / "run"),
                 "--unit", "tham-chieu", "--unit", "nhieu-he-thong", "--per-host", "2", "--timeout", "5"])
    out = capsys.readouterr().out
    assert code == 1   # nhieu-he-thong: several systems
    assert "Quét danh mục:" in out and "tham-chieu: 41/41 DVCTT thực hiện được" in out
    assert "single_system: 1 đạt, 1 chưa đạt" in out
    assert (tmp_path / "run" / "index.html").exists()


def test_command_line_starts_a_sandbox_when_none_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(SANDBOX_URLS_VARIABLE, raising=False)
    code = _in_thread(main, ["--env", str(ROOT / "config" / "environments" / "sandbox.yaml"), "--run-dir", str(tmp_path / "run"),
                 "--unit", "tham-chieu", "--no-report"])
    assert code == 0, capsys.readouterr()
    assert "tham-chieu: 41/41" in capsys.readouterr().out
    import os
    assert SANDBOX_URLS_VARIABLE not in os.environ    # the sandbox it started is gone, and so is its address
