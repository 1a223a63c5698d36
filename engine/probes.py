"""Probes: browser work beyond the main walk, for checks that must disturb the form.

The main journey walks the form once, as a citizen would. Some criteria need more: typing
invalid phones (input_validation), reloading (draft_persistence), a phone-sized browser
(mobile_layout). A check declares the probes it needs (``@check("id", probes=("name",))``);
the journey runs each needed probe once per target, after the main walk, in its own page
of the same signed-in browser context, and stores what it saw in ``evidence.probes[name]``
as plain data. Checks still judge only that data.

A probe is ``function(session: ProbeSession) -> dict``, registered with ``@probe("name")``
(the probes themselves are in engine/probe_library.py). An exception inside a probe is
recorded as ``{"error": ...}``; the check then says "không kiểm tra được" with that reason.

Probes run in ``PROBE_ORDER`` (those that only look, then those that fill the form, repeated
submissions last). A probe that needs another browser context (an anonymous visitor, a phone)
opens it with ``session.new_context`` and closes it itself. Whatever submits a dossier,
processes one at the agency's side or starts a signature runs on test systems only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from playwright.sync_api import Error as PlaywrightError, Page, TimeoutError as PlaywrightTimeout

from engine import direct
from engine.browser import close_quietly

if TYPE_CHECKING:
    from engine.journey import Journey

ProbeFunction = Callable[["ProbeSession"], dict[str, Any]]
PROBES: dict[str, ProbeFunction] = {}


def probe(name: str) -> Callable[[ProbeFunction], ProbeFunction]:
    def register(function: ProbeFunction) -> ProbeFunction:
        if name in PROBES:
            raise KeyError(f"probe {name!r} registered twice")
        PROBES[name] = function
        return function
    return register


@dataclass
class ProbeSession:
    """What a probe may use: fresh pages at the form, the scenario, the citizen."""

    journey: "Journey"
    # A page one probe left at a step of the form, reached with the scenario's valid inputs
    # (see ``park``); offered to the next probe only, then closed.
    _parked: tuple[Page, int] | None = None
    _offered: tuple[Page, int] | None = None
    _anonymous: Any = None  # one anonymous visitor's context for the probes that need one

    @property
    def scenario(self):
        return self.journey.ctx.scenario

    @property
    def target(self):
        return self.journey.ctx.target

    @property
    def evidence(self):
        return self.journey.evidence

    @property
    def citizen(self) -> dict[str, str]:
        return self.journey.ctx.citizen

    @property
    def values(self) -> dict[str, Any]:
        return self.journey.values

    @property
    def timeout_ms(self) -> float:
        return self.target.thresholds.navigation_timeout_s * 1000

    @property
    def settings(self):
        """What the probes type, press and open (scenario ``probes:`` over the defaults)."""
        return self.target.probes

    @property
    def environment(self):
        return self.journey.ctx.environment

    @property
    def test_system(self) -> bool:
        return self.journey.ctx.test_system

    @property
    def browser(self):
        """The browser of the walk: probes that need another context (a phone, an anonymous
        visitor) open it here and close it themselves."""
        return self.journey.page.context.browser

    def storage_state(self) -> dict:
        """The signed-in state as it is now (national portal, identity provider, unit)."""
        return self.journey.page.context.storage_state()

    def fill(self, template: str, **extra: Any) -> str:
        """A template ({unit}, {national}, {code}, {dossier_code}...) filled for this target."""
        from engine.phrases import fill_template
        values = dict(self.values)
        values["dossier_code"] = self.evidence.submission.get("dossier_code") or ""
        values.update(extra)
        return fill_template(template, values)

    def new_context(self, **args: Any):
        """A new context of the same browser (no storage state unless given): the caller closes it."""
        base = {k: v for k, v in self.journey.ctx.context_args.items() if k != "storage_state"}
        context = self.browser.new_context(**{**base, **args})
        context.set_default_timeout(self.timeout_ms)
        from engine.observe import track_requests
        context.on("page", track_requests)  # its pages settle on their requests (engine.journey.settle)
        return context

    def screenshot(self, page: Page, name: str) -> str | None:
        """A screenshot of any probe page, personal data masked as in the walk's screenshots."""
        return self.journey.screenshot(name, page)

    def anonymous_context(self):
        """A context without the signed-in state, shared by the probes that visit as an
        anonymous citizen (its cookies are cleared for each: each visitor starts afresh);
        closed after the last probe. Making a context costs more than clearing its cookies."""
        if self._anonymous is None:
            self._anonymous = self.new_context()
        else:
            self._anonymous.clear_cookies()
        return self._anonymous

    def park(self, page: Page, index: int) -> None:
        """Leave ``page`` at step ``index`` for the next probe, instead of closing it. Only for a
        page that got there as ``open_form`` + ``advance_to(index)`` would have: every earlier
        step accepted by the portal with valid inputs (the scenario's, or the validation
        battery's valid phone and email on the contact step) and the portal's own choices. What
        is typed in step ``index`` itself is the taker's business: every probe that takes a page
        with ``reach`` fills that step again. The next probe then saves the walk from step 1."""
        self._parked = (page, index)

    def reach(self, index: int) -> Page | None:
        """A page at step ``index`` reached with the scenario's valid inputs: the one the last
        probe parked (brought to the step from where it was), else a new one walked from step 1;
        None when the walk stops."""
        offered, self._offered = self._offered, None
        if offered is not None:
            page, at = offered
            if self._from_offered(page, at, index):
                return page
            close_quietly(page)
        page = self.open_form()
        if not self.advance_to(page, index):
            close_quietly(page)
            return None
        return page

    def _from_offered(self, page: Page, at: int, index: int) -> bool:
        """Bring an offered page from step ``at`` to step ``index``: on from there with valid
        inputs, as a walk would, or one step back with the form's own back button (a client-side
        wizard shows it at once, where reopening the form reloads it). Anything else: False."""
        if not self.on_step(page, at):
            return False
        if at <= index:
            for current in range(at, index):
                self.fill_step(page, current)
                if not self.press_next(page, current)[0]:
                    return False
            return True
        if at == index + 1:
            return self.press_back(page, index)
        return False

    def press_back(self, page: Page, to_index: int) -> bool:
        """The form's own back button, then step ``to_index`` shown: True. A form without the
        button says so at once; otherwise the click and the screen get the scenario's patience,
        since the click waits for the navigation it starts: a click given up early leaves that
        navigation pending, and the next navigation of the page then races it."""
        from engine.journey import clickable
        button = clickable(page, self.scenario.back)
        heading = self.scenario.steps[to_index].heading
        try:
            if not direct.shows(page, [{"control": self.scenario.back}], fallback=button):
                return False
            direct.click(page, self.scenario.back, self.timeout_ms)
            direct.wait_for(page, [direct.heading(heading)], self.timeout_ms,
                            fallback=page.get_by_role("heading", name=heading).first)
            return True
        except (PlaywrightError, PlaywrightTimeout):
            return False

    def between_probes(self) -> None:
        """What the last probe parked is offered to the next one; anything offered before and
        not taken is closed."""
        if self._offered is not None:
            close_quietly(self._offered[0])
        self._offered, self._parked = self._parked, None

    def close(self) -> None:
        for held in (self._parked, self._offered):
            if held is not None:
                close_quietly(held[0])
        self._parked = self._offered = None
        if self._anonymous is not None:
            close_quietly(self._anonymous)
            self._anonymous = None

    def new_page(self) -> Page:
        """A new tab of the signed-in context (the unit's session cookies included)."""
        from engine.observe import track_requests
        page = self.journey.page.context.new_page()
        # Pages and navigations get the scenario's patience; a control on a screen already
        # shown is there at once or not at all, so element actions give up sooner.
        page.set_default_navigation_timeout(self.timeout_ms)
        page.set_default_timeout(min(self.timeout_ms, 8000))
        track_requests(page)
        return page

    def open_form(self, page: Page | None = None) -> Page:
        """A page at the first step of the form, reached the way the main walk reached it."""
        page = page or self.new_page()
        try:
            page.goto(self.evidence.form.url, wait_until="load")
        except PlaywrightError as error:
            # A navigation the page had started (a form posting itself) won the race: let it
            # finish, then open the form again.
            if "interrupted by another navigation" not in str(error):
                raise
            page.wait_for_load_state("load")
            page.goto(self.evidence.form.url, wait_until="load")
        self.back_to_first_screen(page)
        return page

    def back_to_first_screen(self, page: Page) -> None:
        """Many portals reopen a form where the citizen left it (the first unfinished screen):
        press the form's own back button until the first screen shows, as a citizen would."""
        steps = self.scenario.steps
        for _ in range(len(steps)):
            if self.on_step(page, 0):
                return
            shown = next((i for i in range(1, len(steps)) if self.on_step(page, i)), None)
            if shown is None:
                return  # not a screen of this form: the probe that opened it will say so
            if not self.press_back(page, shown - 1):
                return

    def absent(self, index: int, field_id: str) -> bool:
        """The walk found step ``index``'s screen without this field (e.g. a declaration to
        upload instead of an e-form): a probe does not try it there."""
        return field_id in self.journey.absent_fields.get(self.scenario.steps[index].name, ())

    def step_index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.scenario.steps) if s.name == name)

    def step_with_field(self, kind: str) -> int | None:
        """The index of the first step that shows a field of this kind (phone, email...)."""
        for index, step in enumerate(self.scenario.steps):
            for field_id in (*step.fields, *step.fill):
                if self.scenario.fields[field_id].kind == kind:
                    return index
        return None

    def fill_step(self, page: Page, index: int, skip: tuple[str, ...] = ()) -> None:
        """Fill a step with the scenario's valid inputs (and the citizen's data where empty),
        leaving the fields in ``skip`` as they are."""
        self.journey.fill_step_on(page, self.scenario.steps[index], skip)

    def press_next(self, page: Page, index: int) -> tuple[bool, float]:
        """Press the step's button; True when the next step's heading appears (waiting as long
        as the walk does: a slow portal is slow in the probes too). Returns the elapsed seconds."""
        step = self.scenario.steps[index]
        following = self.scenario.steps[index + 1] if index + 1 < len(self.scenario.steps) else None
        started = time.monotonic()
        direct.click(page, step.next, self.timeout_ms)
        if following is None:
            page.wait_for_load_state("load")
            return True, time.monotonic() - started
        try:
            direct.wait_for(page, [direct.heading(following.heading)], self.timeout_ms,
                            fallback=page.get_by_role("heading", name=following.heading).first)
            return True, time.monotonic() - started
        except (PlaywrightError, PlaywrightTimeout):
            return False, time.monotonic() - started

    def advance_to(self, page: Page, index: int) -> bool:
        """From the first step, fill and move on until step ``index`` is shown."""
        for current in range(index):
            self.fill_step(page, current)
            advanced, _ = self.press_next(page, current)
            if not advanced:
                return False
        return True

    def step_by_name(self, name: str | None, default: int | None = None) -> int | None:
        if name is None:
            return default
        return next((i for i, s in enumerate(self.scenario.steps) if s.name == name), default)

    def documents_step(self) -> int | None:
        """The step that asks for documents: declared, or the first with a file field."""
        declared = self.step_by_name(self.settings.documents_step)
        if declared is not None:
            return declared
        for index, step in enumerate(self.scenario.steps):
            if any(self.scenario.fields[f].kind == "file" for f in (*step.fields, *step.fill)):
                return index
        return None

    def locator(self, page: Page, field_id: str):
        from engine.journey import field_locator
        return field_locator(page, self.scenario.fields[field_id])

    def field_state(self, page: Page, field_id: str) -> dict[str, Any] | None:
        """The walk's read of a field (engine.journey.fields_state: tag, locked, value, validity),
        given up to 3 s to appear (a screen just reloaded); None when it does not."""
        from engine.journey import fields_state_patiently
        spec = self.scenario.fields[field_id]
        return fields_state_patiently(page, {field_id: spec})[field_id]

    def read_value(self, page: Page, field_id: str) -> str | None:
        state = self.field_state(page, field_id)
        return state["value"] if state is not None else None

    def is_editable(self, page: Page, field_id: str) -> bool:
        state = self.field_state(page, field_id)
        return state is not None and not state["locked"]

    def validity(self, page: Page, field_id: str) -> dict[str, Any]:
        """The browser's constraint validation of a field: valid, and the browser's message."""
        state = self.field_state(page, field_id)
        return {"valid": state["valid"], "message": state["message"]} if state else {"valid": True, "message": ""}

    def messages(self, page: Page) -> list[str]:
        """Error messages on screen: by the fields or in a summary."""
        try:  # new ones, or ones whose text changed since the try; never a lone "*"
            return page.evaluate(_NEW_MESSAGES_JS, ", ".join(ERROR_PLACES))[:10]
        except PlaywrightError:
            return []

    def attempt_next(self, page: Page, index: int, watch: tuple[str, ...] = ()) -> dict[str, Any]:
        """Press the step's button and see what happens: the next step shows (advanced), an
        error appears (by a field or in a summary), or the browser's constraint validation of a
        watched field fails. Returns plain data: advanced, messages, invalid (field ids),
        elapsed_s."""
        invalid = {f: v["message"] for f in watch if not (v := self.validity(page, f))["valid"]}
        step = self.scenario.steps[index]
        following = self.scenario.steps[index + 1] if index + 1 < len(self.scenario.steps) else None
        mark_present_errors(page)
        started = time.monotonic()
        direct.click(page, step.next, self.timeout_ms)
        advanced = False
        if following is not None:
            heading = page.get_by_role("heading", name=following.heading)
            errors = page.locator(NEW_ERROR_SELECTOR)
            # A field the browser refuses blocks the step at once; otherwise wait for the
            # next step or a message, as a citizen would.
            wait_ms = 1500 if invalid else min(self.timeout_ms, 10_000)
            try:
                direct.wait_for(page, [direct.heading(following.heading), {"unmarked_errors": list(ERROR_PLACES)}],
                                wait_ms, fallback=heading.or_(errors).first)
            except (PlaywrightError, PlaywrightTimeout):
                pass
            try:
                page.wait_for_load_state("load", timeout=wait_ms)
                advanced = direct.shows(page, [direct.heading(following.heading)], fallback=heading)
            except (PlaywrightError, PlaywrightTimeout):
                advanced = False
        else:
            page.wait_for_load_state("load")
            advanced = True
        return {"advanced": advanced, "messages": [] if advanced else self.messages(page),
                "invalid": invalid, "elapsed_s": round(time.monotonic() - started, 3)}

    def goto_step(self, page: Page, index: int, url: str | None) -> Page:
        """Back at step ``index``: by its address when the portal allows it, else from the start."""
        if url:
            try:
                page.goto(url, wait_until="load")
                if self.on_step(page, index):
                    return page
            except (PlaywrightError, PlaywrightTimeout):
                pass
        self.open_form(page)
        if not self.advance_to(page, index):
            raise RuntimeError(f"không trở lại được bước “{self.scenario.steps[index].name}”")
        return page

    def on_step(self, page: Page, index: int) -> bool:
        heading = self.scenario.steps[index].heading
        return direct.shows(page, [direct.heading(heading)], fallback=page.get_by_role("heading", name=heading))


def run_probes(journey: "Journey", names: set[str]) -> None:
    """Run each needed probe once; failures become data, never exceptions."""
    import engine.probe_library  # noqa: F401  (registers the probes)
    session = ProbeSession(journey)
    try:
        _run_each(session, journey, names)
    finally:
        session.close()


def _probe_title(name: str) -> str:
    """A probe as a reader knows it: the titles of the criteria that need it."""
    import checks
    titles = [c.criterion.title for c in checks.registered() if name in c.probes]
    return "kiểm tra " + (", ".join(f"“{t}”" for t in titles) if titles else f"“{name}”")


def _cut(journey: "Journey", name: str) -> bool:
    """Whether the target's budget has run out (engine.watchdog); if so, this probe is noted
    as unfinished (what its criteria read is not judged)."""
    if not journey.out_of_time(_probe_title(name), phase="probes"):
        return False
    journey.evidence.out_of_time["unfinished_probes"].append(name)
    return True


def _run_each(session: ProbeSession, journey: "Journey", names: set[str]) -> None:
    from engine.journey import _describe
    order = {name: i for i, name in enumerate(PROBE_ORDER)}
    for name in sorted(names, key=lambda n: (order.get(n, len(order)), n)):
        if _cut(journey, name):  # the rest is not tried
            journey.evidence.probes[name] = {"error": journey.evidence.out_of_time["reason"]}
            continue
        session.between_probes()
        function = PROBES.get(name)
        if function is None:
            journey.evidence.probes[name] = {"error": f"không có probe {name!r}"}
            continue
        if not journey.evidence.form_reached and name not in NEEDS_NO_FORM:
            journey.evidence.probes[name] = {"error": journey.evidence.stopped or "không đến được biểu mẫu"}
            continue
        started = time.monotonic()
        try:
            journey.evidence.probes[name] = function(session)
        except (PlaywrightError, PlaywrightTimeout) as error:
            journey.evidence.probes[name] = {"error": _describe(error)}
        except Exception as error:  # a bug in a probe is recorded, never fatal for the run
            journey.evidence.probes[name] = {"error": f"lỗi của công cụ: {error.__class__.__name__}: {error}"}
        journey.evidence.probe_times[name] = round(time.monotonic() - started, 3)
        _cut(journey, name)  # the budget ran out while it ran


#: Probes that only look come first; those that fill the form on the portal's side next, in an
#: order where none leaves behind what a later one tests (an uploaded file, a stored draft);
#: full repeated submissions last. Where one leaves its page at the screen the next one starts
#: from (``ProbeSession.park``), they follow each other: identity_crosscheck ends at the second
#: step (the contact data on most portals), input_validation at the step after the contact data
#: (the draft's step), draft_persistence there again (required_fields' field), guidance at the
#: documents (esign).
PROBE_ORDER = ("handoff_repeats", "identity_account", "privacy", "after_submission", "identity_crosscheck",
               "input_validation", "draft_persistence", "required_fields", "guidance", "esign", "mobile_layout",
               "repeats")

#: Where portals put error messages: by a field, or in a summary at the top.
ERROR_PLACES = ("[role=alert]", ".field-error", ".form-error", ".invalid-feedback", ".error-message",
                ".validation-summary-errors", ".text-danger")
ERROR_SELECTOR = ", ".join(f"{place}:visible" for place in ERROR_PLACES)
#: The same, but only what appeared after ``mark_present_errors`` (a required-field asterisk
#: styled as an error, a banner already there, are not the portal's answer to this try).
NEW_ERROR_SELECTOR = ", ".join(f"{place}:not([data-dvc-seen]):visible" for place in ERROR_PLACES)


def mark_present_errors(page: Page) -> None:
    """Remember the messages on screen now (with their text): hidden ones are not marked, so a
    message element that the portal reveals later counts as new."""
    try:
        page.evaluate("sel => document.querySelectorAll(sel).forEach(e => {"
                      " if (e.getClientRects().length) e.setAttribute('data-dvc-seen', e.innerText.trim()); })",
                      ", ".join(ERROR_PLACES))
    except PlaywrightError:
        pass


_NEW_MESSAGES_JS = """
sel => [...document.querySelectorAll(sel)]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .filter(e => !e.hasAttribute('data-dvc-seen') || e.getAttribute('data-dvc-seen') !== e.innerText.trim())
  .map(e => e.innerText.trim()).filter(t => t.length > 1)
"""


#: Probes that work without reaching the form (e.g. an anonymous dossier lookup).
NEEDS_NO_FORM: set[str] = set()
