"""What a browser shows, captured as plain data.

Checks never touch the browser: they judge these observations. An observation is taken at
the journey's probe points (the landing after the hand-off, each page before the form, each
step of the form), so many criteria are judged from one walk through the portal.
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field, asdict
from typing import Any
from urllib.parse import urlsplit

# The name a citizen (and a screen reader) reads for a control: its <label>, the elements its
# aria-labelledby points at (table-layout e-forms label their controls this way), aria-label,
# then what is left. Shared by every script that names a control.
LABEL_OF_JS = """
  const labelOf = el => {
    if (el.labels && el.labels.length) return el.labels[0].innerText.trim();
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const named = ids.map(id => document.getElementById(id)).filter(Boolean).map(n => n.innerText.trim()).join(' ');
    if (named) return named;
    return (el.getAttribute('aria-label') || el.getAttribute('placeholder') || el.name || '').trim();
  };
"""

# Read everything the checks need in one round trip to the page.
_SNAPSHOT_JS = """
() => {
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
""" + LABEL_OF_JS + """
  const inputs = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden' && visible(el))
    .map(el => ({label: labelOf(el), type: el.type || el.tagName.toLowerCase(), name: el.name || '',
                 readonly: !!(el.readOnly || el.disabled), required: !!el.required}));
  const buttons = [...document.querySelectorAll('button, input[type=submit], a[role=button], a.btn')]
    .filter(visible).map(el => (el.innerText || el.value || '').trim()).filter(Boolean);
  const headings = [...document.querySelectorAll('h1, h2, h3')].filter(visible).map(el => el.innerText.trim());
  const text = (document.body ? document.body.innerText : '').replace(/\\s+/g, ' ').trim();
  return {title: document.title, text: text.slice(0, 4000), inputs, buttons, headings,
          viewport_meta: !!document.querySelector('meta[name=viewport]')};
}
"""


@dataclass
class PageObservation:
    url: str
    title: str = ""
    text: str = ""
    inputs: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    status: int | None = None
    screenshot: str | None = None
    viewport_meta: bool = True

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def password_fields(self) -> int:
        return sum(1 for i in self.inputs if i.get("type") == "password")

    def mentions(self, *phrases: str) -> str | None:
        """The first phrase found in the page's text, case-insensitively."""
        lowered = self.text.lower()
        for phrase in phrases:
            if phrase and phrase.lower() in lowered:
                return phrase
        return None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["text"] = self.text[:600]
        return data


def evaluate_steady(page, script: str, arg: Any = None) -> Any:
    """``page.evaluate``, once more after the load event when a navigation replaced the page
    under it (a form that posts and redraws itself, a slow screen still arriving)."""
    try:
        return page.evaluate(script, arg)
    except Exception as error:  # noqa: BLE001 — only the navigation case is retried
        if "Execution context was destroyed" not in str(error):
            raise
        page.wait_for_load_state("load")
        return page.evaluate(script, arg)


def observe(page, status: int | None = None, screenshot: str | None = None) -> PageObservation:
    """Snapshot the page as a citizen sees it (text, fields by label, buttons, headings)."""
    try:
        snap = evaluate_steady(page, _SNAPSHOT_JS)
    except Exception as error:  # a page that is navigating away or crashed: keep the URL at least
        return PageObservation(url=page.url, text=f"(không đọc được trang: {error.__class__.__name__})", status=status)
    return PageObservation(url=page.url, title=snap["title"], text=snap["text"], inputs=snap["inputs"],
                           buttons=snap["buttons"], headings=snap["headings"], status=status,
                           screenshot=screenshot, viewport_meta=snap["viewport_meta"])


# --------------------------------------------------------------------------- requests in flight


class Inflight:
    """The requests a page has started and not yet finished (or failed).

    What "the page has settled" means for the probes: its load event has fired and nothing it
    asked for is still on the way. Waiting for that is waiting for events; Playwright's
    "networkidle" instead waits for 500 ms without any request, so a shorter quiet period
    never sees it and is only a fixed sleep."""

    def __init__(self, page):
        self.pending: set = set()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request) -> None:
        self.pending.add(request)

    def _ended(self, request) -> None:
        self.pending.discard(request)

    def wait_quiet(self, page, timeout_ms: float) -> bool:
        """Until no request is in flight (at most ``timeout_ms``: a long-polling connection
        never ends); True when the page got quiet. When something was still on the way, one
        more turn of the page's event loop lets its handlers of the last answers run."""
        if not self.pending:
            return True
        deadline = time.monotonic() + timeout_ms / 1000
        while self.pending and time.monotonic() < deadline:
            page.wait_for_timeout(15)  # Playwright delivers the request events meanwhile
        page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))")
        return not self.pending


_TRACKED: "weakref.WeakKeyDictionary[Any, Inflight]" = weakref.WeakKeyDictionary()


def track_requests(page) -> Inflight:
    """Follow the requests of a page from now on (call it before the page's first request)."""
    if page not in _TRACKED:
        _TRACKED[page] = Inflight(page)
    return _TRACKED[page]


def inflight(page) -> Inflight | None:
    return _TRACKED.get(page)
