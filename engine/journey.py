"""The journey: one walk of a citizen through the national portal into a unit's portal.

One journey per (scenario, target) gathers the evidence that many criteria judge: the
hand-off, the pages met before the form, the prefilled values, each step and its timing,
the (guarded) submission. Checks read the resulting Evidence; they never drive the browser.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, asdict
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Error as PlaywrightError, Page, TimeoutError as PlaywrightTimeout

from engine import direct
from engine.browser import close_quietly, evidence_screenshot
from engine.config import Environment
from engine.observe import PageObservation, observe
from engine.scenario import Action, FieldSpec, Scenario, Target

from engine.phrases import (CHALLENGE_PHRASES, LOGIN_PHRASES, NOT_FOUND_PHRASES,  # noqa: F401 (re-exported)
                            PASSWORD_CHANGE_PHRASES, REGISTRATION_PHRASES, fill_template)

DRY_RUN_PAGE = ("<!doctype html><html lang='vi'><meta charset='utf-8'><title>Chạy thử</title>"
                "<p>Chạy thử (dry-run): yêu cầu nộp hồ sơ đã bị chặn trong trình duyệt, không gửi đến cổng.</p></html>")


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class LoginError(Exception):
    """The tester could not sign in at the identity provider: nothing can be judged."""


@dataclass
class StepRecord:
    name: str
    url: str
    elapsed_s: float | None = None  # time from pressing the button to the next step usable
    advanced: bool = False
    messages: list[str] = field(default_factory=list)
    error: str | None = None
    page: PageObservation | None = None  # what the step showed on arrival (before filling)


@dataclass
class Evidence:
    code: str
    procedure: str
    target: str
    unit_id: str
    unit_name: str
    unit_url: str | None
    test_system: bool
    handoff_start: str | None = None
    handoff_chain: list[str] = field(default_factory=list)
    handoff_params: dict[str, str] = field(default_factory=dict)
    handoff_elapsed_s: float | None = None
    handoff_error: str | None = None
    landing: PageObservation | None = None
    before_form: list[PageObservation] = field(default_factory=list)
    unit_login_used: bool = False
    vneid_pressed: bool = False  # the unit's login page offered VNeID and the walk took it
    # Screens without the procedure's fields where the walk uploaded a filled declaration instead
    declaration_uploaded: list[dict[str, Any]] = field(default_factory=list)
    extra_uploads: list[str] = field(default_factory=list)  # steps where unlisted required files were attached
    direct_entry_used: bool = False
    form: PageObservation | None = None
    form_values: dict[str, str] = field(default_factory=dict)
    form_readonly: dict[str, bool] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    submission: dict[str, Any] = field(default_factory=dict)
    stopped: str | None = None  # why the journey could not go on, in Vietnamese
    national_error: str | None = None  # the national portal itself failed: nothing was handed off
    challenge: str | None = None  # an anti-bot page stood in the way (its phrase)
    screenshots: list[str] = field(default_factory=list)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)  # what each extra probe saw
    # Along the main walk: responses with HTTP >= 500 and requests that failed at the network
    # level (connection refused or reset, timeouts), for the stability criterion.
    http_errors: list[dict[str, Any]] = field(default_factory=list)
    failed_requests: list[dict[str, Any]] = field(default_factory=list)
    probe_times: dict[str, float] = field(default_factory=dict)  # seconds each probe took
    # The target's time budget ran out (engine.watchdog): {"budget_s", "phase" ("walk" or
    # "probes"), "reason", "unfinished_probes"}; what was cut is not judged.
    out_of_time: dict[str, Any] | None = None

    @property
    def form_reached(self) -> bool:
        return self.form is not None

    def landing_is_not_found(self) -> bool:
        return bool(self.landing and self.landing.mentions(*NOT_FOUND_PHRASES))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _describe(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else error.__class__.__name__
    if isinstance(error, PlaywrightTimeout):
        return f"hết thời gian chờ ({text})"
    for code, meaning in (("ERR_CONNECTION_REFUSED", "không kết nối được (từ chối kết nối)"),
                          ("ERR_CONNECTION_RESET", "kết nối bị ngắt"),
                          ("ERR_EMPTY_RESPONSE", "máy chủ không trả lời"),
                          ("ERR_TOO_MANY_REDIRECTS", "điều hướng lặp vô hạn"),
                          ("ERR_NAME_NOT_RESOLVED", "không phân giải được tên miền"),
                          ("ERR_TIMED_OUT", "hết thời gian chờ")):
        if code in text:
            return meaning
    return text


def demands_authentication(page: PageObservation) -> bool:
    """A login, registration or password-change page (by its fields or its headings)."""
    text = " ".join(page.headings + [page.title]).lower()
    return page.password_fields > 0 or any(p in text for p in
                                           LOGIN_PHRASES + REGISTRATION_PHRASES + PASSWORD_CHANGE_PHRASES)


#: How unit login pages name the national identity's button ("Đăng nhập bằng VNeID", "VNeID").
VNEID_LOGIN = re.compile(r"\bVNeID\b", re.IGNORECASE)


def clickable(page: Page, text: str):
    return (page.get_by_role("button", name=text, exact=True)
            .or_(page.get_by_role("link", name=text, exact=True))).first


def field_locator(page: Page, spec: FieldSpec):
    if spec.selector:
        return page.locator(spec.selector).first
    return page.get_by_label(spec.label, exact=True).first


#: How long a list may take to offer a choice (lists filled by a script after another choice).
OPTION_WAIT_MS = 5000


def run_action(page: Page, action: Action, values: dict[str, Any]) -> None:
    kind, value = action.kind, action.value
    if kind == "goto":
        page.goto(fill_template(value, values), wait_until="load")
    elif kind == "click":
        direct.click(page, fill_template(value, values))
    elif kind == "fill":
        direct.fill(page, FieldSpec(id="_", label=fill_template(value["label"], values)),
                    fill_template(value["value"], values))
    elif kind == "select":
        label = fill_template(value["label"], values)
        select = page.get_by_label(label, exact=True).first
        option = fill_template(value.get("option") or "", values)
        spec = FieldSpec(id="_", label=label)
        offered = "unsure"
        if option:  # the page's script tells first; only an unsure answer asks Playwright
            offered = direct.wait_answer(page, [{"option": {"field": {"label": label, "selector": ""},
                                                            "label": option}}], OPTION_WAIT_MS)
        if offered == "yes":
            direct.select(page, spec, option)
        elif offered == "no":
            raise PlaywrightError(f"không có lựa chọn “{option}” trong danh sách “{label}”")
        elif option:
            # A list filled by a script gets a moment for the choice to come; a choice the
            # portal does not offer (a unit with no online service) is said at once, rather
            # than after the whole navigation timeout.
            select.wait_for(state="attached")  # the list itself: the page's own patience
            offered = select.locator("option").filter(has_text=re.compile(rf"^\s*{re.escape(option)}\s*$"))
            try:
                offered.first.wait_for(state="attached", timeout=OPTION_WAIT_MS)
            except PlaywrightTimeout:
                raise PlaywrightError(f"không có lựa chọn “{option}” trong danh sách “{label}”") from None
            select.select_option(label=option)
        elif not direct.select_first(page, spec):  # no preference declared: the first real choice,
            first = select.locator("option:not([value=''])").first.get_attribute("value")  # as an inspector would
            select.select_option(value=first)
    elif kind == "wait_for_text":
        page.get_by_text(fill_template(value, values)).first.wait_for()
    else:  # the schema forbids this; a clear message if a new kind is half-added
        raise ValueError(f"unknown action {kind!r}")


@dataclass
class JourneyContext:
    scenario: Scenario
    target: Target
    environment: Environment
    citizen: dict[str, str]
    unit_name: str
    test_system: bool
    artifacts_dir: Path
    run_dir: Path
    # The citizen's data a picture must not show in clear (besides every form field).
    personal: tuple[str, ...] = ()
    probes: frozenset[str] = frozenset()  # extra probes the selected checks need
    # The arguments the walk's browser context was made with (pytest-playwright's
    # browser_context_args): probes that open contexts of their own (an anonymous visitor, a
    # phone) start from them too.
    context_args: dict[str, Any] = field(default_factory=dict)
    # The target's time budget (engine.watchdog.TargetBudget), None for no bound.
    budget: Any = None

    def template_values(self) -> dict[str, Any]:
        return {"national": self.environment.national, "idp": self.environment.idp,
                "unit": self.environment.unit_url(self.target.unit), "code": self.scenario.code,
                "unit_option": self.target.unit_option or self.unit_name,
                "agency_option": self.target.agency_option or "", "citizen": self.citizen}


class Journey:
    """Walk one target; every failure becomes part of the evidence, never an exception."""

    def __init__(self, page: Page, ctx: JourneyContext, label: str = ""):
        # ``label`` prefixes screenshot names, so that a repeated hand-off (a probe) does not
        # overwrite the main walk's pictures.
        self.page, self.ctx, self.label = page, ctx, label
        self.values = ctx.template_values()
        s, t = ctx.scenario, ctx.target
        self.evidence = Evidence(code=s.code, procedure=s.name, target=t.id, unit_id=t.unit,
                                 unit_name=ctx.unit_name, unit_url=ctx.environment.unit_url(t.unit),
                                 test_system=ctx.test_system)
        self._last_status: int | None = None
        # Fields a screen was seen without (after a moment's wait): every later walk of this
        # target over that screen knows at once, instead of waiting again (probes walk often).
        self.absent_fields: dict[str, set[str]] = {}
        page.set_default_timeout(t.thresholds.navigation_timeout_s * 1000)
        page.on("response", self._on_response)
        page.context.on("response", self._on_any_response)
        page.context.on("requestfailed", self._on_request_failed)

    # ------------------------------------------------------------------ helpers
    def _on_response(self, response) -> None:
        try:
            if response.request.is_navigation_request() and response.frame == self.page.main_frame:
                self._last_status = response.status
        except PlaywrightError:
            pass

    def _on_any_response(self, response) -> None:
        try:
            if response.status >= 500 and len(self.evidence.http_errors) < 20:
                self.evidence.http_errors.append({"url": response.url, "status": response.status})
        except PlaywrightError:
            pass

    def _on_request_failed(self, request) -> None:
        try:
            failure = request.failure or ""
            if "ERR_ABORTED" in failure or len(self.evidence.failed_requests) >= 20:
                return  # a navigation that replaced another one: not a connection error
            self.evidence.failed_requests.append({"url": request.url, "error": failure})
        except PlaywrightError:
            pass

    def stop_listening(self) -> None:
        """Probes disturb the portal on purpose: what they meet is theirs, not the walk's."""
        for event, handler in (("response", self._on_any_response), ("requestfailed", self._on_request_failed)):
            try:
                self.page.context.remove_listener(event, handler)
            except (PlaywrightError, ValueError, KeyError):
                pass

    def detach(self) -> None:
        """Stop listening to the browser context (a short-lived repeat journey)."""
        self.page.context.remove_listener("response", self._on_any_response)
        self.page.context.remove_listener("requestfailed", self._on_request_failed)

    def screenshot(self, name: str, page: Page | None = None) -> str | None:
        """A masked picture of the walk's page (or of a probe's), named after what it shows."""
        page = page or self.page
        path = self.ctx.artifacts_dir / f"{self.label}{name}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            evidence_screenshot(page, path, self.ctx.personal)
        except PlaywrightError:
            return None
        relative = str(path.relative_to(self.ctx.run_dir))
        self.evidence.screenshots.append(relative)
        return relative

    def look(self, name: str | None = None, quiet_ms: int = 0,
             ready: Callable[[], bool] | None = None) -> PageObservation:
        # Only the landing after the hand-off waits for the network to calm down (portals
        # finish their redirects in script there), unless it already shows the form
        # (``ready``); elsewhere "load" is enough, and waiting for idleness on every page
        # costs half a second each.
        settle(self.page, quiet_ms, ready)
        seen = observe(self.page, status=self._last_status)
        if name:
            # The same document showing the same thing as the last picture (the landing that is
            # the form): that picture, not a second identical one (fields are masked anyway).
            same = (self.page.url, seen.title, seen.text, seen.headings, seen.buttons, seen.inputs)
            last = getattr(self, "_last_shot", None)
            if last and last[0] == same and last[1] is self.page and last[2] == self._last_status:
                seen.screenshot = last[3]
            else:
                seen.screenshot = self.screenshot(name)
                self._last_shot = (same, self.page, self._last_status, seen.screenshot)
        return seen

    def form_present(self) -> bool:
        first_step = self.ctx.scenario.steps[0]
        fields = [self.ctx.scenario.fields[f] for f in first_step.fields] or list(self.ctx.scenario.fields.values())[:1]
        for spec in fields[:1]:
            return field_state(self.page, spec) is not None
        return False

    # ------------------------------------------------------------------ phases
    def out_of_time(self, where: str, phase: str = "walk") -> bool:
        """Whether the target's budget ran out (engine.watchdog); the first time, the evidence
        says so, where, and why the walk stopped."""
        budget = self.ctx.budget
        if budget is None or not budget.expired:
            return False
        ev = self.evidence
        if ev.out_of_time is None:
            reason = budget.reason(where)
            ev.out_of_time = {"budget_s": budget.seconds, "phase": phase, "reason": reason, "unfinished_probes": []}
            ev.stopped = ev.stopped or reason
        return True

    def run(self) -> Evidence:
        ev = self.evidence
        if not self.national_portal() or self.out_of_time("chuyển từ Cổng DVCQG sang cổng của đơn vị"):
            return ev
        self.reach_form()
        if self.out_of_time("mở biểu mẫu"):
            return ev
        if ev.form_reached:
            self.walk_steps()
        self.stop_listening()
        if self.out_of_time("đi qua các bước của biểu mẫu"):
            return ev
        if self.ctx.probes:
            from engine.probes import run_probes
            run_probes(self, set(self.ctx.probes))
        return ev

    def national_portal(self) -> bool:
        """From the national portal's procedure page to the unit, timing the hand-off."""
        ev, page, actions = self.evidence, self.page, self.ctx.scenario.national_portal
        national_host = urlsplit(self.ctx.environment.national).netloc
        try:
            for action in actions[:-1]:
                run_action(page, action, self.values)
        except (PlaywrightError, PlaywrightTimeout) as error:
            ev.national_error = f"Cổng DVCQG: {_describe(error)}"
            ev.stopped = ev.national_error
            return False
        ev.handoff_start = page.url
        # Every main-frame document request, redirects included: the hand-off's parameters
        # travel in a redirect that never commits a page.
        chain: list[str] = []

        failures: list[str] = []

        def on_request(request) -> None:
            try:
                if request.is_navigation_request() and request.frame == request.frame.page.main_frame:
                    chain.append(request.url)
            except PlaywrightError:
                pass

        def on_request_failed(request) -> None:
            # A failed navigation does not raise: Chromium shows its own error page instead.
            try:
                if request.is_navigation_request() and request.frame == request.frame.page.main_frame:
                    failures.append(request.failure or "net::ERR_FAILED")
            except PlaywrightError:
                pass
        page.context.on("request", on_request)
        page.context.on("requestfailed", on_request_failed)
        started = time.monotonic()
        timed_out: Exception | None = None
        try:
            pages_before = len(page.context.pages)
            run_action(page, actions[-1], self.values)
            if len(page.context.pages) > pages_before:  # the portal opened the unit in a new tab
                self.page = page = page.context.pages[-1]
            page.wait_for_url(lambda url: urlsplit(url).netloc != national_host,
                              timeout=self.ctx.target.thresholds.navigation_timeout_s * 1000)
            page.wait_for_load_state("load")
        except (PlaywrightError, PlaywrightTimeout) as error:
            ev.handoff_error = _describe(error)
            timed_out = error
        ev.handoff_elapsed_s = round(time.monotonic() - started, 3)
        page.context.remove_listener("request", on_request)
        page.context.remove_listener("requestfailed", on_request_failed)
        if failures and not ev.handoff_error:
            ev.handoff_error = _describe(Exception(failures[-1]))
        ev.handoff_chain = chain
        for url in chain:
            parts = urlsplit(url)
            if parts.netloc != national_host and "MaTTHC" in parts.query:
                ev.handoff_params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                break
        if isinstance(timed_out, PlaywrightTimeout):
            # The unit never answered: the tab is still waiting for it, and anything asked of
            # that tab would wait too. Note where it hung and go on in a fresh tab.
            ev.landing = PageObservation(url=chain[-1] if chain else page.url, text="(không có phản hồi)")
            stale, self.page = page, page.context.new_page()
            self.page.set_default_timeout(self.ctx.target.thresholds.navigation_timeout_s * 1000)
            self.page.on("response", self._on_response)
            close_quietly(stale)
            return True
        ev.landing = self.look("landing", quiet_ms=1500, ready=self.form_present)
        phrase = ev.landing.mentions(*CHALLENGE_PHRASES)
        if phrase:
            ev.challenge = phrase
            ev.stopped = f"cổng trả về trang kiểm tra chống bot (“{phrase}”), không thấy được nội dung phía sau"
            return False
        return True

    def reach_form(self) -> None:
        """Past whatever stands between the hand-off and the form; the direct entry if needed."""
        ev = self.evidence
        self._past_interstitials()
        if ev.form_reached or ev.stopped:
            return
        if self.ctx.target.direct_entry and not ev.landing_is_not_found():
            ev.direct_entry_used = True
            try:
                self.page.goto(fill_template(self.ctx.target.direct_entry, self.values), wait_until="load")
            except (PlaywrightError, PlaywrightTimeout) as error:
                ev.stopped = f"không mở được địa chỉ trực tiếp của dịch vụ: {_describe(error)}"
                return
            self._past_interstitials()
        if not ev.form_reached and not ev.stopped:
            ev.stopped = "không đến được biểu mẫu của thủ tục"

    def _past_interstitials(self) -> None:
        ev = self.evidence
        for _ in range(4):
            if self.form_present():
                ev.form = self.look("form")
                self._read_form_values()
                return
            current = self.look()
            if not demands_authentication(current):
                return
            ev.before_form.append(self.look(f"before-form-{len(ev.before_form) + 1}"))
            if not ev.vneid_pressed and self._press_vneid():
                # A citizen already signed in at the national portal picks "VNeID" on the unit's
                # own login page; the page itself stays in the evidence (no single sign-on).
                ev.vneid_pressed = True
                continue
            if self.ctx.target.unit_login and not ev.unit_login_used:
                ev.unit_login_used = True
                try:
                    for action in self.ctx.target.unit_login:
                        run_action(self.page, action, self.values)
                    self.page.wait_for_load_state("load")
                except (PlaywrightError, PlaywrightTimeout) as error:
                    ev.stopped = f"không vượt qua được trang đăng nhập của đơn vị: {_describe(error)}"
                    return
                continue
            ev.stopped = "cổng của đơn vị yêu cầu đăng nhập, đăng ký hoặc đổi mật khẩu riêng; không tiếp tục được"
            return

    def _press_vneid(self) -> bool:
        """Press the unit login page's own "VNeID" button or link, if it has exactly one."""
        choice = (self.page.get_by_role("button", name=VNEID_LOGIN)
                  .or_(self.page.get_by_role("link", name=VNEID_LOGIN)))
        try:
            if choice.count() != 1:
                return False
            choice.click(timeout=5000)
            self.page.wait_for_load_state("load")
            return True
        except (PlaywrightError, PlaywrightTimeout):
            return False

    def _read_form_values(self) -> None:
        """What the portal put in the first screen's fields (the autofill check's evidence)."""
        ev, scenario = self.evidence, self.ctx.scenario
        # The form is there; a field a script still draws gets a moment.
        states = fields_state_patiently(self.page, {f: scenario.fields[f] for f in scenario.steps[0].fields})
        for field_id, state in states.items():
            ev.form_values[field_id] = state["value"] if state else None
            ev.form_readonly[field_id] = bool(state and state["locked"])

    def walk_steps(self) -> None:
        """Fill each step as a citizen would and move on, timing every screen transition."""
        ev, scenario, page = self.evidence, self.ctx.scenario, self.page
        for index, step in enumerate(scenario.steps):
            record = StepRecord(step.name, page.url)
            ev.steps.append(record)
            record.page = ev.form if index == 0 else observe(page, status=self._last_status)
            try:
                self._fill_step(step)
                if step.submit:
                    self._submit(step.submit, record)
                    return
                following = scenario.steps[index + 1] if index + 1 < len(scenario.steps) else None
                started = time.monotonic()
                direct.click(page, step.next)
                if following is not None:
                    direct.wait_for(page, [direct.heading(following.heading)],
                                    self.ctx.target.thresholds.navigation_timeout_s * 1000,
                                    fallback=page.get_by_role("heading", name=following.heading).first)
                else:
                    page.wait_for_load_state("load")
                record.elapsed_s = round(time.monotonic() - started, 3)
                record.advanced = True
            except (PlaywrightError, PlaywrightTimeout) as error:
                record.error = _describe(error)
                if self.out_of_time(f"ở bước “{step.name}”"):
                    return  # the page is gone: nothing more to read from it
                record.messages = self._messages()
                after = self.look(f"step-{index + 1}-stuck")
                if demands_authentication(after):  # sent back to a login page mid-walk
                    record.error = "cổng yêu cầu đăng nhập lại giữa chừng (phiên làm việc hết hạn)"
                elif after.status and after.status >= 500:
                    record.error = f"cổng báo lỗi HTTP {after.status}"
                record.url = after.url
                ev.stopped = f"bước “{step.name}”: {record.error}"
                return

    def _fill_step(self, step) -> None:
        self.fill_step_on(self.page, step)

    def fill_step_on(self, page: Page, step, skip: tuple[str, ...] = ()) -> None:
        scenario = self.ctx.scenario
        wanted = [f for f in (*step.fields, *step.fill) if f not in skip]
        # One look per field (present? locked? a list? its value?) instead of one browser round
        # trip per question: filling is most of what the probes do, step after step.
        states = fields_state(page, {f: scenario.fields[f] for f in wanted})
        missing = [f for f in wanted if states[f] is None]
        if missing and not set(missing) <= self.absent_fields.get(step.name, set()):
            # The screen is shown (its heading was awaited), but one still being drawn (a slow
            # portal, a script) gets a moment before its fields are declared missing.
            states.update(fields_state_patiently(page, {f: scenario.fields[f] for f in missing}))
            missing = [f for f in wanted if states[f] is None]
            self.absent_fields.setdefault(step.name, set()).update(missing)
        if missing:
            self._fill_in_a_declaration(page, step, missing)
        # Fields the portal should have prefilled: typed in when empty or not the citizen's own
        # data (a portal that keeps what was typed before, e.g. a probe's altered name, shows it
        # again), so the walk goes on; the autofill check has already read what the portal put
        # there at the first look.
        for field_id in step.fields:
            spec, state = scenario.fields[field_id], states.get(field_id)
            if state is not None and spec.expect:
                own = expected_value(spec, self.citizen_value(spec.expect))
                if own and _comparable(state["value"]) != _comparable(own):
                    self._set(page, spec, own, state)
        for field_id, raw in step.fill.items():
            if states.get(field_id) is not None:
                self._set(page, scenario.fields[field_id], fill_template(raw, self.values), states[field_id])
        if not skip:
            self._attach_what_else_is_required(page, step)

    def _attach_what_else_is_required(self, page: Page, step) -> None:
        """A portal may ask for more documents than the procedure lists (a copy of the ID card,
        say): the citizen attaches something to each required, empty file input so the walk goes
        on; the checks judge the request itself from the screen (no_redundant_documents)."""
        required_uploads = "input[type=file][required]:not([disabled])"
        if direct.empty_visible(page, required_uploads) == 0:
            return  # the common case, told by a plain script (no selector engine in this page)
        uploads = page.locator(required_uploads)
        for i in range(uploads.count()):
            upload = uploads.nth(i)
            try:
                # A file input's value is "" until a file is chosen: read in the world Playwright's
                # clicks use (an ``evaluate`` would install its engine in the page's own, per page).
                if upload.is_visible() and upload.input_value() == "":
                    upload.set_input_files(self.upload_file("giay-to-kem-theo.pdf"))
                    if step.name not in self.evidence.extra_uploads:
                        self.evidence.extra_uploads.append(step.name)
            except (PlaywrightError, PlaywrightTimeout):
                continue

    def _fill_in_a_declaration(self, page: Page, step, missing: list[str]) -> None:
        """The screen lacks the procedure's fields. Portals without an e-form ask instead for the
        declaration, downloaded, filled in and uploaded: a citizen would do just that, so the
        walk uploads a filled declaration into the screen's empty file input and goes on.
        Anything else is a real dead end, said with the field's name."""
        names = ", ".join(f"“{self.ctx.scenario.fields[f].label or f}”" for f in missing)
        uploads = page.locator("input[type=file]:not([disabled])")
        empty = [uploads.nth(i) for i in range(uploads.count()) if uploads.nth(i).input_value() == ""]
        if not empty or any(self.ctx.scenario.fields[f].kind == "file" for f in missing):
            raise PlaywrightError(f"không thấy trường {names} trên màn hình “{step.name}”")
        empty[0].set_input_files(self.upload_file("to-khai-da-dien.pdf"))
        if not any(d["step"] == step.name for d in self.evidence.declaration_uploaded):
            self.evidence.declaration_uploaded.append({"step": step.name, "instead_of": [
                self.ctx.scenario.fields[f].label or f for f in missing]})

    def upload_file(self, name: str) -> str:
        """A small, valid PDF to upload as a document: portals check the type, not the content."""
        path = self.ctx.artifacts_dir / "uploads" / Path(name).name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(MINIMAL_PDF)
        return str(path)

    def citizen_value(self, claim: str) -> str:
        return self.ctx.citizen.get(claim, "")

    def _set(self, page: Page, spec: FieldSpec, value: str, state: dict[str, Any]) -> None:
        """Type, choose or attach ``value``; a field the portal locked is left as it is."""
        if state["locked"]:
            return
        if spec.kind == "file":
            field_locator(page, spec).set_input_files(self.upload_file(value))
        elif state["tag"] == "SELECT":
            direct.select(page, spec, value)
        else:
            direct.fill(page, spec, value)

    def _messages(self) -> list[str]:
        try:
            return self.page.locator("[role=alert], .field-error, .error, .invalid-feedback").all_inner_texts()[:10]
        except PlaywrightError:
            return []

    def _submit(self, button: str, record: StepRecord) -> None:
        ev, page, scenario = self.evidence, self.page, self.ctx.scenario
        ev.submission = {"attempted": True, "dry_run": not self.ctx.test_system, "intercepted": False}
        if not self.ctx.test_system:
            def intercept(route):
                ev.submission["intercepted"] = True
                ev.submission["intercepted_url"] = route.request.url
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=DRY_RUN_PAGE)
            page.route(scenario.submit_request, intercept)
        started = time.monotonic()
        direct.click(page, button)
        page.wait_for_load_state("load")
        if not ev.submission["intercepted"]:
            # A single-page form submits with fetch and writes the outcome into the same page:
            # wait for its success text or an error, not only for a page load.
            outcome_shown = page.get_by_text(scenario.success_text).or_(page.locator("[role=alert]"))
            try:
                direct.wait_for(page, [{"text": scenario.success_text}, {"css": "[role=alert]"}],
                                self.ctx.target.thresholds.navigation_timeout_s * 1000, fallback=outcome_shown.first)
            except (PlaywrightError, PlaywrightTimeout):
                pass  # judged below from what the page shows
        record.elapsed_s = round(time.monotonic() - started, 3)
        outcome = self.look()
        ev.submission["status"] = outcome.status
        ev.submission["succeeded"] = bool(outcome.mentions(scenario.success_text)) and not ev.submission["intercepted"]
        if not ev.submission["succeeded"]:  # the picture of a success page is read by nobody
            outcome.screenshot = self.screenshot("submission")
        ev.submission["page"] = outcome.to_dict()
        match = re.search(r"Mã hồ sơ:\s*([\w.\-]+)", outcome.text)
        if match:
            ev.submission["dossier_code"] = match.group(1)
        record.advanced = ev.submission["succeeded"] or ev.submission["intercepted"]


# What a read tells of a field: its tag, whether the portal locked it (read-only, disabled),
# its value (a list's chosen text), and the browser's own constraint validation (valid, its
# message, and whether the form switched the browser's checks off).
_DESCRIBE_FIELD_JS = """e => ({
  tag: e.tagName, locked: !!(e.readOnly || e.disabled),
  value: e.tagName === 'SELECT' ? (e.value ? e.options[e.selectedIndex].text : '') : (e.value || ''),
  valid: e.validity ? e.validity.valid : true, message: e.validationMessage || '',
  novalidate: !!(e.form && e.form.noValidate)})"""

_FIELD_STATE_JS = "els => els.map(" + _DESCRIBE_FIELD_JS + ")"

# The fields of a step found and read by one script in the page, without Playwright's
# selector engine: a locator's ``evaluate_all`` first installs that engine in the page's own
# world, once per document (~12 ms on every new screen, more than the read itself), while
# this is a plain ``page.evaluate``. It applies the rule of get_by_label(exact=True): an
# element's labels are its aria-labelledby elements, else its aria-label, else (a form
# control) its <label>s; their text without script and style, whitespace collapsed, equals
# the field's label; open shadow roots included, the first match in document order. A field
# given by a CSS selector: the first element matching it.
_FIND_FIELDS_JS = r"""wanted => {
  const norm = t => (t || '').replace(/[\u200b\u00ad]/g, '').trim().replace(/\s+/g, ' ');
  const textOf = e => {
    if (['SCRIPT', 'NOSCRIPT', 'STYLE'].includes(e.nodeName)) return '';
    let text = '';
    for (let c = e.firstChild; c; c = c.nextSibling)
      text += c.nodeType === Node.TEXT_NODE ? c.nodeValue : c.nodeType === Node.ELEMENT_NODE ? textOf(c) : '';
    return text;
  };
  const CONTROLS = ['BUTTON', 'METER', 'OUTPUT', 'PROGRESS', 'SELECT', 'TEXTAREA'];
  const labelsOf = e => {
    const by = e.getAttribute('aria-labelledby');
    if (by) {
      const root = e.getRootNode();
      const refs = by.split(/[ \t\n\f\r]+/).filter(Boolean).map(id => root.querySelector('#' + CSS.escape(id))).filter(Boolean);
      if (refs.length) return refs.map(r => norm(textOf(r)));
    }
    const aria = e.getAttribute('aria-label');
    if (aria !== null && aria.trim()) return [norm(aria)];
    if (CONTROLS.includes(e.nodeName) || (e.nodeName === 'INPUT' && e.type !== 'hidden'))
      return e.labels ? [...e.labels].map(l => norm(textOf(l))) : [];
    return [];
  };
  const isCss = selector => { try { document.querySelector(selector); return true; } catch (error) { return false; } };
  const asked = wanted.map(w => ({label: w.selector ? null : norm(w.label) || null, selector: w.selector && isCss(w.selector) ? w.selector : null}));
  const found = wanted.map(() => null);
  const visit = root => {
    for (const e of root.querySelectorAll('*')) {
      let labels = null;
      asked.forEach((a, i) => {
        if (found[i]) return;
        if (a.selector ? e.matches(a.selector) : a.label !== null && (labels = labels || labelsOf(e)).includes(a.label))
          found[i] = e;
      });
      if (e.shadowRoot) visit(e.shadowRoot);
    }
  };
  visit(document);
  // null: not found; {unknown: true}: a selector that is not CSS (Playwright's to find)
  return found.map((e, i) => e || (!!wanted[i].selector && !asked[i].selector ? {unknown: true} : null));
}"""
_FIELDS_STATE_JS = ("wanted => (" + _FIND_FIELDS_JS + ")(wanted).map(e => e === null ? {} : e.unknown ? e : ("
                    + _DESCRIBE_FIELD_JS + ")(e))")


def fields_state(page: Page, specs: dict[str, FieldSpec]) -> dict[str, dict[str, Any] | None]:
    """What the walk needs to know of each field, in one round trip and without waiting: None
    for a field the page does not have, else its tag, whether the portal locked it (read-only,
    disabled), its current value (a list's chosen text) and the browser's validation of it
    (valid, message, novalidate). Read by one script in the page; a
    field it does not find (absent, a label read differently, a selector that is not CSS) is
    asked of Playwright's own locator, so a field is never declared missing that Playwright
    would find."""
    if not specs:
        return {}
    try:
        read = page.evaluate(_FIELDS_STATE_JS, [{"label": s.label or "", "selector": s.selector or ""}
                                                for s in specs.values()])
    except PlaywrightError:
        read = [{"unknown": True}] * len(specs)
    states: dict[str, dict[str, Any] | None] = {}
    for (field_id, spec), state in zip(specs.items(), read):
        states[field_id] = state if "tag" in state else _located_field_state(page, spec)
    return states


def fields_state_patiently(page: Page, specs: dict[str, FieldSpec], wait_ms: int = 3000
                           ) -> dict[str, dict[str, Any] | None]:
    """``fields_state``, giving the fields not there yet one moment (the first of them up to
    ``wait_ms``) to be drawn by a script before they are read again."""
    states = fields_state(page, specs)
    missing = {f: spec for f, spec in specs.items() if states[f] is None}
    if missing:
        try:
            field_locator(page, next(iter(missing.values()))).wait_for(state="attached", timeout=wait_ms)
            states.update(fields_state(page, missing))
        except (PlaywrightError, PlaywrightTimeout):
            pass
    return states


def field_state(page: Page, spec: FieldSpec) -> dict[str, Any] | None:
    """``fields_state`` of one field."""
    return fields_state(page, {spec.id: spec})[spec.id]


def _located_field_state(page: Page, spec: FieldSpec) -> dict[str, Any] | None:
    """The same read through Playwright's locator (its selector engine decides)."""
    locator = field_locator(page, spec)
    try:
        if locator.count() == 0:  # the common case here (an absent field), in the cheap world
            return None
        found = locator.evaluate_all(_FIELD_STATE_JS)
    except PlaywrightError:
        return None
    return found[0] if found else None


def _comparable(value: str) -> str:
    """A field's value as compared with the citizen's: case, spaces and punctuation aside."""
    return re.sub(r"[\W_]+", "", value or "").casefold()


def expected_value(spec: FieldSpec, raw: str) -> str:
    """The citizen's value as this field shows it (dates in the field's format)."""
    if spec.expect == "NgayThangNamSinh" and len(raw) == 8 and raw.isdigit():
        y, m, d = raw[:4], raw[4:6], raw[6:]
        return {"yyyy-mm-dd": f"{y}-{m}-{d}", "yyyymmdd": raw}.get(spec.format or "dd/mm/yyyy", f"{d}/{m}/{y}")
    return raw


def settle(page: Page, quiet_ms: int = 1500, ready: Callable[[], bool] | None = None) -> None:
    """Wait for the page to finish loading and its requests to calm down, briefly: portals
    keep long-polling connections, so network idleness is a hint, not a requirement.
    ``ready``: the page already shows what the caller came for (the form), nothing to wait for.
    A page whose requests are followed (engine.observe.track_requests: the probes' pages)
    waits for the requests still in flight; others for Playwright's "networkidle" (500 ms
    without a request, so it is only worth it with quiet_ms well above that)."""
    from engine.observe import inflight
    try:
        page.wait_for_load_state("load")
        if not quiet_ms or (ready is not None and ready()):
            return
        tracker = inflight(page)
        if tracker is not None:
            tracker.wait_quiet(page, quiet_ms)
        else:
            page.wait_for_load_state("networkidle", timeout=quiet_ms)
    except (PlaywrightError, PlaywrightTimeout):
        pass


def login_state(browser, environment: Environment, citizen: dict[str, str], context_args: dict[str, Any]) -> dict:
    """Sign in once at the identity provider through the national portal; return the storage
    state (cookies) that every journey of this worker starts from."""
    if environment.storage_state is not None:
        if not environment.storage_state.exists():
            raise LoginError(f"chưa có phiên đăng nhập đã lưu tại {environment.storage_state}; "
                             f"chạy 'dvc-conformance login' trước")
        import json
        return json.loads(environment.storage_state.read_text(encoding="utf-8"))
    context = browser.new_context(**context_args)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        values = {"national": environment.national, "idp": environment.idp, "citizen": citizen}
        for action in environment.login_steps:
            run_action(page, action, values)
        return context.storage_state()
    except (PlaywrightError, PlaywrightTimeout) as error:
        raise LoginError(f"không đăng nhập được tại nhà cung cấp định danh: {_describe(error)}") from None
    finally:
        context.close()
