"""The pytest plugin: scenarios/*.yaml become items, one per (scenario, target, criterion).

Shape borrowed from Tavern (a File per YAML, items per unit of work) and pytest-playwright
(its ``browser`` and ``browser_context_args`` fixtures, so ``--headed``, ``--slowmo``,
``--device`` and ``--browser-channel`` work as users know them). Item ids read like
``scenarios/2.000635.yaml::2.000635[tham-chieu]::sso``.

One journey per (scenario, target) and per worker gathers the evidence; every item of that
target judges it with its own check. Items of one target are one xdist scope, so that
``-n 2`` does not walk the same target twice.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from _pytest.fixtures import TopRequest

import checks
from checks.context import CheckContext
from engine import results as results_io
from engine.config import (DEFAULT_CITIZENS, DEFAULT_ENVIRONMENT, SANDBOX_URLS_VARIABLE, Environment,
                           environment_uses_sandbox, load_citizens, load_environment, load_units,
                           personal_strings)
from engine.journey import Evidence, Journey, JourneyContext, LoginError, login_state
from engine.login import SESSION_EXIT_STATUS
from engine.scenario import Scenario, ScenarioError, Target, load_scenario
from engine.shard import ShardError, finished_items, latest_run_dir, parse_shard, repair_results, shard_of
from engine.verdict import CHUA_DAT, DAT, KHONG_AP_DUNG, KHONG_KIEM_TRA_DUOC, MOT_PHAN, Verdict, khong_kiem_tra_duoc

ROOT = Path(__file__).resolve().parent.parent
TZ = dt.timezone(dt.timedelta(hours=7))  # the letter's and the inspectors' time zone


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dvc-conformance", "Kiểm tra dịch vụ công trực tuyến")
    group.addoption("--dvc-env", default=str(DEFAULT_ENVIRONMENT),
                    help="tệp môi trường (địa chỉ các cổng, cách đăng nhập); mặc định: sandbox nhúng")
    group.addoption("--dvc-citizens", default=str(DEFAULT_CITIZENS), help="tệp công dân thử nghiệm")
    group.addoption("--dvc-run-dir", default=None,
                    help="thư mục của lần chạy (mặc định reports/runs/<thời điểm>)")
    group.addoption("--dvc-criteria", default=None,
                    help="chỉ chạy các tiêu chí này (phân cách bằng dấu phẩy): "
                         + ", ".join(checks.CRITERION_IDS))
    group.addoption("--dvc-no-report", action="store_true", help="không dựng báo cáo HTML khi kết thúc")
    group.addoption("--dvc-trace-production", action="store_true",
                    help="cho phép ghi trace Playwright trên hệ thống thật (trace chứa dữ liệu chưa che)")
    group.addoption("--dvc-shard", default=None, metavar="i/n",
                    help="chỉ chạy phân đoạn i trong n (đánh số từ 1); mọi mục của một đơn vị ở cùng một phân đoạn")
    group.addoption("--dvc-resume", action="store_true",
                    help="chạy tiếp lần chạy ở --dvc-run-dir (mặc định: lần chạy mới nhất trong reports/runs), "
                         "bỏ qua các mục đã có kết quả")
    group.addoption("--dvc-target-budget", type=float, default=None, metavar="GIÂY",
                    help="thời gian tối đa cho mỗi mục tiêu (hành trình và các phép thử), thay ngưỡng "
                         "target_budget_s của kịch bản (mặc định 1200); 0: không giới hạn")
    group.addoption("--dvc-cdp-endpoint", default=None, metavar="URL",
                    help="dùng trình duyệt Chromium có sẵn qua giao thức DevTools (http://host:port hoặc ws://...)")
    group.addoption("--dvc-ws-endpoint", default=None, metavar="URL",
                    help="dùng trình duyệt của một máy chủ Playwright (playwright run-server) qua WebSocket")


# ----------------------------------------------------------------------------- session state


class RunState:
    """What one pytest process (controller or worker) shares across items."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.citizens = load_citizens(config.getoption("dvc_citizens"))
        self.units = load_units()
        self.run_dir = Path(config.getoption("dvc_run_dir"))
        self.journeys: dict[tuple[str, str], Evidence | Exception] = {}
        self.logins: dict[str, dict | LoginError] = {}
        self._environment: Environment | None = None
        selected = config.getoption("dvc_criteria")
        self.selected_criteria = tuple(c.strip() for c in selected.split(",")) if selected else None
        self.known_personal = personal_strings(self.citizens)
        self.traces: dict[str, Path] = {}
        self.selected: dict[str, set[str]] = {}  # target key -> criteria of the items that will run
        self.failed_targets: set[str] = set()
        shard = config.getoption("dvc_shard")
        self.shard: tuple[int, int] | None = parse_shard(shard) if shard else None
        self.finished: set[str] = set()  # --dvc-resume: items that already have a result line
        self.skipped_by_us = 0  # items deselected by shard or resume
        self.progress = Progress()

    @property
    def environment(self) -> Environment:
        if self._environment is None:
            self._environment = load_environment(self.config.getoption("dvc_env"))
        return self._environment


def _state(config: pytest.Config) -> RunState:
    return config.stash[STATE_KEY]


STATE_KEY = pytest.StashKey[RunState]()


def pytest_configure(config: pytest.Config) -> None:
    worker = getattr(config, "workerinput", None)
    if worker is not None:  # an xdist worker: the controller decided the run and the sandbox
        config.option.dvc_run_dir = worker["dvc_run_dir"]
        if worker.get("dvc_sandbox_urls"):
            os.environ[SANDBOX_URLS_VARIABLE] = worker["dvc_sandbox_urls"]
        finished = set(worker.get("dvc_finished") or ())
    else:
        # The items of one target are children of one collector, i.e. one xdist "scope":
        # "loadscope" keeps them on one worker, where "load" (what -n alone means) would split
        # them and walk the same journey twice. The scheduler is made later, at session
        # start, so changing the mode here is in time.
        if getattr(config.option, "dist", None) == "load":
            config.option.dist = "loadscope"
        finished = set()
        if config.getoption("dvc_resume"):
            finished = _resume(config)
        if not config.getoption("dvc_run_dir"):
            stamp = dt.datetime.now(TZ).strftime("%Y%m%d-%H%M%S")
            config.option.dvc_run_dir = str(ROOT / "reports" / "runs" / stamp)
        _start_sandbox_if_needed(config)
    selected = config.getoption("dvc_criteria")
    if selected:
        unknown = [c for c in selected.split(",") if c.strip() not in checks.CRITERION_IDS]
        if unknown:
            from engine.scenario import did_you_mean
            raise pytest.UsageError(f"--dvc-criteria: tiêu chí {unknown[0]!r} không tồn tại; "
                                    f"{did_you_mean(unknown[0], checks.CRITERION_IDS)}")
    if config.getoption("dvc_cdp_endpoint") and config.getoption("dvc_ws_endpoint"):
        raise pytest.UsageError("--dvc-cdp-endpoint và --dvc-ws-endpoint: chỉ chọn một")
    try:
        config.stash[STATE_KEY] = RunState(config)
    except ShardError as error:
        raise pytest.UsageError(str(error)) from None
    _state(config).finished = finished
    if worker is None and _state(config).shard and not config.option.collectonly:
        _state(config).run_dir.mkdir(parents=True, exist_ok=True)  # an empty shard is still a shard to merge
    if worker is None and not config.pluginmanager.has_plugin("dvc-progress"):
        config.pluginmanager.register(ProgressReporter(config), "dvc-progress")
    # Registered here, i.e. after every plugin loaded by entry point, so that its fixtures
    # override pytest-playwright's whatever the load order (``-p engine.plugin`` would
    # otherwise register this module before pytest-playwright).
    if not config.pluginmanager.has_plugin("engine.browser_fixtures"):
        from engine import browser_fixtures
        config.pluginmanager.register(browser_fixtures, "engine.browser_fixtures")


def _resume(config: pytest.Config) -> set[str]:
    """The run folder to resume (given, or the newest under reports/runs) and its finished
    items; a torn last line of a killed run is cut so that appended lines start clean."""
    run_dir = config.getoption("dvc_run_dir")
    if not run_dir:
        latest = latest_run_dir(ROOT / "reports" / "runs")
        if latest is None:
            raise pytest.UsageError("--dvc-resume: không có lần chạy nào trong reports/runs để chạy tiếp; "
                                    "chỉ rõ bằng --dvc-run-dir")
        config.option.dvc_run_dir = run_dir = str(latest)
    if not Path(run_dir).is_dir():
        raise pytest.UsageError(f"--dvc-resume: {run_dir} không phải thư mục của một lần chạy")
    repair_results(Path(run_dir))
    return finished_items(Path(run_dir))


def _start_sandbox_if_needed(config: pytest.Config) -> None:
    """Start the embedded sandbox once for the whole run (workers inherit its addresses)."""
    env_path = config.getoption("dvc_env")
    existing = os.environ.get(SANDBOX_URLS_VARIABLE)
    if config.option.collectonly or not _runs_scenarios(config) or not environment_uses_sandbox(env_path) \
            or (existing and Path(existing).exists()):
        return
    from engine.config import sandbox_start_args
    from engine.sandbox_process import SandboxError, SandboxProcess, export_urls
    process = SandboxProcess(extra_args=sandbox_start_args(env_path))
    try:
        process.start()
    except SandboxError as error:
        raise pytest.UsageError(str(error)) from None
    export_urls(process, SANDBOX_URLS_VARIABLE)
    atexit.register(process.stop)
    config.add_cleanup(process.stop)


def _runs_scenarios(config: pytest.Config) -> bool:
    """Whether this run collects scenario files (the tool's own unit tests need no sandbox)."""
    for arg in config.args:
        path = Path(arg.split("::")[0])
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
        if path.is_file() and path.parent.name == "scenarios":
            return True
        if path.is_dir() and (path.name == "scenarios" or (path / "scenarios").is_dir()):
            return True
    return False


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # xdist hook, only called when xdist is active
    node.workerinput["dvc_run_dir"] = node.config.getoption("dvc_run_dir")
    node.workerinput["dvc_sandbox_urls"] = os.environ.get(SANDBOX_URLS_VARIABLE, "")
    node.workerinput["dvc_finished"] = sorted(_state(node.config).finished)


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """Real portals: check the saved session once, on the controller, before collection
    (under xdist, before the workers get any item)."""
    config = session.config
    if hasattr(config, "workerinput") or STATE_KEY not in config.stash or config.option.collectonly \
            or not _runs_scenarios(config):
        return
    state = _state(config)
    browser_name = (config.getoption("browser", None) or ["chromium"])[0]
    from engine.browser_fixtures import remote_endpoint, remote_problem
    remote = remote_endpoint(config)
    if remote is not None:
        problem = remote_problem(*remote, browser_name=browser_name)
        if problem:
            _stop(config, problem, "không có trình duyệt từ xa", pytest.ExitCode.INTERRUPTED)
    try:
        environment = state.environment
    except ScenarioError:
        return  # said by every item, as before
    if environment.storage_state is None:
        return
    from engine.login import SessionError, verify_saved_session
    try:
        verify_saved_session(environment, cdp_endpoint=config.getoption("dvc_cdp_endpoint"),
                             ws_endpoint=config.getoption("dvc_ws_endpoint"), browser_name=browser_name)
    except SessionError as error:
        missing = error.kind in ("missing", "expired")
        _stop(config, str(error),
              "phiên đăng nhập đã lưu không dùng được" if missing else "không kiểm tra được phiên đăng nhập",
              SESSION_EXIT_STATUS if missing else pytest.ExitCode.INTERRUPTED)


def _stop(config: pytest.Config, message: str, short: str, status: int) -> None:
    """Stop the whole run before any item, with one message."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "dvc-conformance: dừng lại", red=True, bold=True)
        reporter.write_line(message, red=True)
    else:
        print(message, file=sys.stderr)
    pytest.exit(short, returncode=status)


# ----------------------------------------------------------------------------- collection


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "scenarios" \
            and not file_path.name.startswith("_"):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioCollectionError(Exception):
    """Collection failure carrying the Vietnamese, file:line message."""


class ScenarioFile(pytest.File):
    def collect(self):
        state = _state(self.config)
        try:
            display = os.path.relpath(self.path, self.config.rootpath)
        except ValueError:
            display = str(self.path)
        try:
            scenario = load_scenario(self.path, criteria=checks.CRITERION_IDS, units=state.units,
                                     citizens=state.citizens, display=display)
        except ScenarioError as error:
            raise ScenarioCollectionError(str(error)) from None
        for target in scenario.targets:
            # Each target sees the scenario as its portal shows it (its software family applied).
            shown, resolved = scenario.for_target(target)
            yield TargetNode.from_parent(self, name=f"{scenario.code}[{target.id}]", scenario=shown, target=resolved)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioCollectionError):
            return f"Kịch bản không hợp lệ:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)


class TargetNode(pytest.Collector):
    def __init__(self, *, scenario: Scenario, target: Target, **kwargs):
        super().__init__(**kwargs)
        self.scenario, self.target = scenario, target

    def collect(self):
        state = _state(self.config)
        for registered in checks.registered():
            cid = registered.criterion.id
            if cid not in self.target.criteria or registered.criterion.catalog:
                continue
            if state.selected_criteria and cid not in state.selected_criteria:
                continue
            yield CriterionItem.from_parent(self, name=cid, scenario=self.scenario, target=self.target,
                                            criterion_id=cid)


def _fixtures_for_items(browser, browser_context_args, pytestconfig):  # signature lists the fixtures used
    pass


class CriterionItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, target: Target, criterion_id: str, **kwargs):
        super().__init__(**kwargs)
        self.scenario, self.target, self.criterion_id = scenario, target, criterion_id
        self.verdict: Verdict | None = None
        # Let pytest resolve fixtures for this non-Python item, as Tavern does.
        self.funcargs: dict[str, Any] = {}
        self._fixtureinfo = self.session._fixturemanager.getfixtureinfo(node=self, func=_fixtures_for_items, cls=None)
        self.fixturenames = self._fixtureinfo.names_closure
        self._request = TopRequest(self, _ispytest=True)

    def setup(self) -> None:
        self._request._fillfixtures()

    def reportinfo(self):
        return self.path, None, f"{self.scenario.code}[{self.target.id}]::{self.criterion_id}"

    def runtest(self) -> None:
        state = _state(self.config)
        started = time.monotonic()
        unit = state.units.get(self.target.unit)
        unit_name = unit.name if unit else self.target.unit
        citizen = state.citizens.get(self.scenario.citizen, {})
        evidence = self._evidence(state, unit_name, citizen)
        if isinstance(evidence, Exception):
            verdict = khong_kiem_tra_duoc(str(evidence))
        elif evidence.out_of_time and _cut_short(evidence.out_of_time, self.criterion_id):
            verdict = khong_kiem_tra_duoc(evidence.out_of_time["reason"])
        elif evidence.challenge:
            # An anti-bot page hid the portal: no criterion can be judged from what it showed.
            verdict = khong_kiem_tra_duoc(evidence.stopped, landing_url=evidence.landing.url if evidence.landing else None)
        else:
            ctx = CheckContext(self.scenario, self.target, unit_name, evidence.unit_url, citizen)
            try:
                verdict = checks.get(self.criterion_id).function(evidence, ctx)
            except Exception as error:  # a crashing check is recorded, never fatal
                verdict = khong_kiem_tra_duoc(f"lỗi của công cụ khi kiểm tra: {error.__class__.__name__}: {error}",
                                              traceback=traceback.format_exc(limit=5))
        # Masked once, here: the failure message, JUnit properties, pytest-html extras and the
        # results line all come from this one masked verdict.
        from engine.masking import mask_record
        verdict = Verdict(**mask_record(verdict.to_dict(), known=state.known_personal))
        self.verdict = verdict
        self.user_properties += [("outcome", verdict.outcome), ("sentence", verdict.sentence)]
        self._record(state, unit, verdict, evidence, time.monotonic() - started)
        if verdict.outcome in (CHUA_DAT, MOT_PHAN):
            state.failed_targets.add(self._target_key)
            raise VerdictFailure(verdict)
        if verdict.outcome == KHONG_KIEM_TRA_DUOC:
            pytest.skip(f"không kiểm tra được: {verdict.reason}")

    @property
    def _target_key(self) -> str:
        return f"{self.scenario.code}-{self.target.id}"

    @property
    def shard_key(self) -> str:
        return f"{self.scenario.code}[{self.target.id}]"

    @property
    def result_id(self) -> str:
        """The ``item`` of this item's result line."""
        return f"{self.shard_key}::{self.criterion_id}"

    def _evidence(self, state: RunState, unit_name: str, citizen: dict[str, str]) -> Evidence | Exception:
        key = (self.scenario.code, self.target.id)
        if key not in state.journeys:
            state.journeys[key] = self._walk(state, unit_name, citizen)
        return state.journeys[key]

    def _walk(self, state: RunState, unit_name: str, citizen: dict[str, str]) -> Evidence | Exception:
        from engine.watchdog import TargetBudget
        with TargetBudget(self._budget_s()) as budget:
            return self._walk_within(state, unit_name, citizen, budget)

    def _budget_s(self) -> float | None:
        if os.environ.get("PWDEBUG"):
            return None  # a person is stepping through Playwright's inspector
        given = self.config.getoption("dvc_target_budget")
        return given if given is not None else self.target.thresholds.target_budget_s

    def _walk_within(self, state: RunState, unit_name: str, citizen: dict[str, str],
                     budget) -> Evidence | Exception:
        try:
            environment = state.environment
        except ScenarioError as error:
            return error
        if environment.unit_url(self.target.unit) is None:
            return RuntimeError(f"môi trường {environment.name} không có địa chỉ của đơn vị {self.target.unit!r}")
        browser = self.funcargs["browser"]
        context_args = dict(self.funcargs["browser_context_args"])
        login_key = environment.login_citizen if environment.storage_state else self.scenario.citizen
        if login_key not in state.logins:
            try:
                state.logins[login_key] = login_state(browser, environment, citizen, context_args)
            except LoginError as error:
                if budget.expired:  # cut by this target's budget: the next target signs in afresh
                    return RuntimeError(budget.reason("đăng nhập tại nhà cung cấp định danh"))
                state.logins[login_key] = error
        login = state.logins[login_key]
        if isinstance(login, LoginError):
            return login
        test_system = self.target.test_system if self.target.test_system is not None else environment.test_system
        slug = re.sub(r"[^\w.-]+", "-", self._target_key)
        ctx = JourneyContext(self.scenario, self.target, environment, citizen, unit_name, test_system,
                             artifacts_dir=state.run_dir / "artifacts" / slug, run_dir=state.run_dir,
                             personal=_personal_texts(citizen),
                             probes=frozenset(self._probes_needed(state)), context_args=context_args,
                             budget=budget)
        context = browser.new_context(storage_state=login, **context_args)
        tracing = self.config.getoption("tracing", "off")
        if tracing != "off" and not test_system and not self.config.getoption("dvc_trace_production"):
            # A trace holds raw network data (tokens, the citizen's data in clear): on a real
            # portal it is made only when asked for explicitly.
            tracing = "off"
        if tracing != "off":
            context.tracing.start(screenshots=True, snapshots=True, sources=False)
        try:
            page = context.new_page()
            return Journey(page, ctx).run()
        except Exception as error:  # the journey itself broke: every criterion of this target says so
            if budget.expired:
                return RuntimeError(budget.reason())
            return RuntimeError(f"hành trình bị gián đoạn: {error.__class__.__name__}: {str(error).splitlines()[0]}")
        finally:
            if tracing != "off":
                # In the run's folder, not pytest-playwright's --output: that folder is wiped by
                # each xdist worker as it starts, and the report should point at its traces.
                trace = ctx.artifacts_dir / "trace.zip"
                trace.parent.mkdir(parents=True, exist_ok=True)
                context.tracing.stop(path=str(trace))
                state.traces[self._target_key] = trace
            context.close()

    def _probes_needed(self, state: RunState) -> set[str]:
        """The probes of every selected item of this target (not only this item's): the
        journey is shared by all items of the target. Deselected items (``-k``) cost nothing."""
        needed: set[str] = set()
        for cid in state.selected.get(self._target_key, {self.criterion_id}):
            needed.update(checks.get(cid).probes)
        return needed

    def _record(self, state: RunState, unit, verdict: Verdict, evidence, duration: float) -> None:
        from engine.masking import mask_record
        record = {
            "run_id": state.run_dir.name, "item": self.result_id,
            "code": self.scenario.code, "procedure": self.scenario.name, "target": self.target.id,
            "unit": unit.as_record() if unit else {"id": self.target.unit, "name": self.target.unit, "section": "khac"},
            "criterion": self.criterion_id, "outcome": verdict.outcome, "sentence": verdict.sentence,
            "reason": verdict.reason, "evidence": verdict.evidence, "duration_s": round(duration, 3),
            "finished_at": dt.datetime.now(TZ).isoformat(timespec="seconds"),
            "dry_run": bool(isinstance(evidence, Evidence) and not evidence.test_system),
            # Where the raw trace is (unmasked by nature): the report says so rather than hide it.
            "trace": str(state.traces[self._target_key].relative_to(state.run_dir))
            if self._target_key in state.traces else None,
        }
        results_io.append_result(state.run_dir, mask_record(record, known=state.known_personal))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, VerdictFailure):
            verdict = excinfo.value.verdict
            return f"{verdict.outcome}: {verdict.sentence}"
        return super().repr_failure(excinfo, style)


def _cut_short(out_of_time: dict[str, Any], criterion_id: str) -> bool:
    """Whether the target's budget ran out before this criterion's evidence was complete: during
    the main walk (every criterion reads it), or in one of the probes the criterion needs."""
    if out_of_time.get("phase") != "probes":
        return True
    return bool(set(checks.get(criterion_id).probes) & set(out_of_time.get("unfinished_probes") or ()))


class VerdictFailure(Exception):
    """A portal does not conform: reported as the verdict's sentence, without a traceback."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.sentence)
        self.verdict = verdict


def _personal_texts(citizen: dict[str, str]) -> tuple[str, ...]:
    """What a screenshot masks besides the form fields: any text with the citizen's name, ID
    number, phone, email or address, or the birthday in the ways pages write it (15/02/1990,
    15/2/1990, 15-02-1990, 1990-02-15)."""
    texts = [citizen[key] for key in ("HoVaTen", "SoDinhDanh", "SoDienThoai", "ThuDienTu", "ThuongTru")
             if citizen.get(key)]
    born = citizen.get("NgayThangNamSinh", "")
    if len(born) == 8 and born.isdigit():
        y, m, d = born[:4], born[4:6], born[6:]
        texts += [f"{d}/{m}/{y}", f"{int(d)}/{int(m)}/{y}", f"{d}-{m}-{y}", f"{y}-{m}-{d}"]
    return tuple(dict.fromkeys(texts))


# ----------------------------------------------------------------------------- browser fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what another shard runs (``--dvc-shard``) or what a killed run already finished
    (``--dvc-resume``); then remember which criteria of each target will run, after -k/-m."""
    if STATE_KEY not in config.stash:
        return
    state = _state(config)
    if state.shard or state.finished:
        keep, drop = [], []
        for item in items:
            if isinstance(item, CriterionItem) and (
                    (state.shard and shard_of(item.shard_key, state.shard[1]) != state.shard[0])
                    or item.result_id in state.finished):
                drop.append(item)
            else:
                keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
            state.skipped_by_us = len(drop)
    selected = state.selected
    selected.clear()
    for item in items:
        if isinstance(item, CriterionItem):
            selected.setdefault(item._target_key, set()).add(item.criterion_id)
    if not hasattr(config, "workerinput"):
        state.progress.expect(item.nodeid for item in items if isinstance(item, CriterionItem))


# ----------------------------------------------------------------------------- reporting


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if not isinstance(item, CriterionItem) or call.when != "call" or item.verdict is None:
        return
    verdict = item.verdict
    state = _state(item.config)
    unit = state.units.get(item.target.unit)
    # On the item too: JUnit XML takes the properties of the teardown report, made from the item's.
    properties = [("unit", unit.name if unit else item.target.unit)]
    trace = state.traces.get(item._target_key)
    if trace is not None:
        properties.append(("trace", str(trace)))
    report.user_properties.extend(properties)
    item.user_properties.extend(properties)
    try:
        from pytest_html import extras
    except ImportError:
        return
    extra = list(getattr(report, "extras", []))
    extra.append(extras.text(f"{verdict.outcome}: {verdict.sentence}", name="Kết luận"))
    shot = verdict.evidence.get("screenshot")
    if shot:
        extra.append(extras.image(str(state.run_dir / shot), name="Ảnh chụp"))
    report.extras = extra


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    config = session.config
    if STATE_KEY not in config.stash:
        return
    state = _state(config)
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and (state.skipped_by_us or state.shard or state.finished) \
            and not hasattr(config, "workerinput"):
        # An empty shard, or a resumed run with nothing left: done, not an error (under xdist
        # the controller does not collect, hence the options rather than the count).
        session.exitstatus = pytest.ExitCode.OK
    # Traces are dropped where they were made (each worker knows its own failures).
    if config.getoption("tracing", "off") == "retain-on-failure":
        for key, trace in state.traces.items():
            if key not in state.failed_targets and trace.exists():
                trace.unlink()
    if hasattr(config, "workerinput"):  # reports are written once, by the controller
        return
    if config.getoption("dvc_no_report") or not (state.run_dir / results_io.RESULTS_FILE).exists():
        return
    from engine.report import build_reports, summary_line
    build_reports(state.run_dir, known=state.known_personal)
    latest = state.run_dir.parent.parent / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(state.run_dir.relative_to(latest.parent), target_is_directory=True)
    except (OSError, ValueError):
        pass
    state.summary = summary_line(state.run_dir)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if STATE_KEY not in config.stash:
        return
    summary = getattr(_state(config), "summary", None)
    if summary:
        terminalreporter.write_sep("=", "dvc-conformance")
        terminalreporter.write_line(summary)


# ----------------------------------------------------------------------------- progress


class Progress:
    """One line per (procedure, unit) when its last item ends, on the controller:
    ``[12/79] Tỉnh X: 15 đạt, 3 chưa đạt, 1 không kiểm tra được``."""

    def __init__(self):
        self.expected: dict[str, int] = {}  # target node id -> number of its items
        self.outcomes: dict[str, dict[str, str]] = {}  # target -> {item node id: outcome}
        self.units: dict[str, str] = {}
        self.finished = 0
        self.codes: set[str] = set()

    @staticmethod
    def target_of(nodeid: str) -> str:
        return nodeid.rsplit("::", 1)[0]

    def expect(self, nodeids) -> None:
        self.expected.clear()
        for nodeid in nodeids:
            target = self.target_of(nodeid)
            self.expected[target] = self.expected.get(target, 0) + 1
            self.codes.add(target.rsplit("::", 1)[-1].split("[", 1)[0])

    def item_done(self, report) -> str | None:
        """Called with each report; returns the line to print when a target is complete."""
        target = self.target_of(report.nodeid)
        if target not in self.expected:
            return None
        seen = self.outcomes.setdefault(target, {})
        properties = dict(report.user_properties)
        if properties.get("unit"):
            self.units[target] = properties["unit"]
        if report.when == "call" and properties.get("outcome"):
            seen[report.nodeid] = properties["outcome"]
        elif report.failed and report.nodeid not in seen:  # setup or teardown error: no verdict
            seen[report.nodeid] = "loi"
        if report.when != "teardown":
            return None
        seen.setdefault(report.nodeid, "loi" if report.failed else "khong_chay")
        if len(seen) != self.expected[target]:
            return None
        self.finished += 1
        from engine.verdict import OUTCOME_LABELS, OUTCOMES
        labels = dict(OUTCOME_LABELS, loi="lỗi của công cụ", khong_chay="không chạy")
        counts = {o: list(seen.values()).count(o) for o in (*OUTCOMES, "loi", "khong_chay")}
        name = self.units.get(target) or target.rsplit("::", 1)[-1]
        code = target.rsplit("::", 1)[-1].split("[", 1)[0]
        if len(self.codes) > 1:
            name = f"{name} ({code})"
        text = ", ".join(f"{n} {labels[o]}" for o, n in counts.items() if n)
        return f"[{self.finished}/{len(self.expected)}] {name}: {text}"


class ProgressReporter:
    """The controller's plugin that prints the progress lines (under xdist too: workers'
    reports arrive at the controller)."""

    def __init__(self, config: pytest.Config):
        self.config = config

    @property
    def progress(self) -> Progress:
        return _state(self.config).progress

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        if not self.progress.expected:  # every worker collects the same items
            self.progress.expect(i for i in ids if CRITERION_NODEID.search(i))

    @pytest.hookimpl(tryfirst=True)  # before junitxml writes its test case
    def pytest_runtest_logreport(self, report) -> None:
        self._junit_name(report)
        line = self.progress.item_done(report)
        if line is None:
            return
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and self.config.get_verbosity() >= -1:
            if getattr(reporter._tw, "width_of_current_line", 0):  # after the dots of -q
                reporter._tw.line()
            reporter.write_line(line)


    def _junit_name(self, report) -> None:
        """JUnit reads the id's brackets as parameters and writes "2.000635[x]::sso]": the
        test case is named here instead, "2.000635[x]::sso" in the scenario file's class."""
        if report.when != "setup":
            return
        from _pytest.junitxml import xml_key
        xml = self.config.stash.get(xml_key, None)
        found = CRITERION_NODEID.search(report.nodeid)
        if xml is None or found is None:
            return
        reporter = xml.node_reporter(report)
        reporter.add_attribute("name", found.group(0)[2:])
        path = report.nodeid[:found.start()]
        reporter.add_attribute("classname", path.replace("/", ".") or "scenarios")


CRITERION_NODEID = re.compile(r"::[^:\[\]]+\[[^\]]+\]::[\w-]+$")
