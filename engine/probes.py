"""Probes: browser work beyond the main walk, for checks that must disturb the form.

The main journey walks the form once, as a citizen would. Some criteria need more: typing
invalid phones (input_validation), reloading (draft_persistence), a phone-sized browser
(mobile_layout). A check declares the probes it needs (``@check("id", probes=("name",))``);
the journey runs each needed probe once per target, after the main walk, in its own page
of the same signed-in browser context, and stores what it saw in ``evidence.probes[name]``
as plain data. Checks still judge only that data.

A probe is ``function(session: ProbeSession) -> dict``, registered with ``@probe("name")``.
An exception inside a probe is recorded as ``{"error": ...}``; the check then says
"không kiểm tra được" with that reason.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from playwright.sync_api import Error as PlaywrightError, Page, TimeoutError as PlaywrightTimeout

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

    def new_page(self) -> Page:
        """A new tab of the signed-in context (the unit's session cookies included)."""
        page = self.journey.page.context.new_page()
        page.set_default_timeout(self.timeout_ms)
        return page

    def open_form(self, page: Page | None = None) -> Page:
        """A page at the first step of the form, reached the way the main walk reached it."""
        page = page or self.new_page()
        page.goto(self.evidence.form.url, wait_until="load")
        return page

    def step_index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.scenario.steps) if s.name == name)

    def step_with_field(self, kind: str) -> int | None:
        """The index of the first step that shows a field of this kind (phone, email...)."""
        for index, step in enumerate(self.scenario.steps):
            for field_id in (*step.fields, *step.fill):
                if self.scenario.fields[field_id].kind == kind:
                    return index
        return None

    def fill_step(self, page: Page, index: int) -> None:
        """Fill a step with the scenario's valid inputs (and the citizen's data where empty)."""
        self.journey.fill_step_on(page, self.scenario.steps[index])

    def press_next(self, page: Page, index: int) -> tuple[bool, float]:
        """Press the step's button; True when the next step's heading appears. Returns the
        elapsed seconds too."""
        step = self.scenario.steps[index]
        following = self.scenario.steps[index + 1] if index + 1 < len(self.scenario.steps) else None
        from engine.journey import clickable
        started = time.monotonic()
        clickable(page, step.next).click()
        if following is None:
            page.wait_for_load_state("load")
            return True, time.monotonic() - started
        try:
            page.get_by_role("heading", name=following.heading).first.wait_for(timeout=min(self.timeout_ms, 5000))
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

    def on_step(self, page: Page, index: int) -> bool:
        heading = self.scenario.steps[index].heading
        try:
            return page.get_by_role("heading", name=heading).count() > 0
        except PlaywrightError:
            return False


def run_probes(journey: "Journey", names: set[str]) -> None:
    """Run each needed probe once; failures become data, never exceptions."""
    from engine.journey import _describe
    import engine.probe_library  # noqa: F401  (registers the probes)
    session = ProbeSession(journey)
    for name in sorted(names):
        function = PROBES.get(name)
        if function is None:
            journey.evidence.probes[name] = {"error": f"không có probe {name!r}"}
            continue
        if not journey.evidence.form_reached and name not in NEEDS_NO_FORM:
            journey.evidence.probes[name] = {"error": journey.evidence.stopped or "không đến được biểu mẫu"}
            continue
        try:
            journey.evidence.probes[name] = function(session)
        except (PlaywrightError, PlaywrightTimeout) as error:
            journey.evidence.probes[name] = {"error": _describe(error)}
        except Exception as error:  # a bug in a probe is recorded, never fatal for the run
            journey.evidence.probes[name] = {"error": f"lỗi của công cụ: {error.__class__.__name__}: {error}"}


#: Probes that work without reaching the form (e.g. an anonymous dossier lookup).
NEEDS_NO_FORM: set[str] = set()
