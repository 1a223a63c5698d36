"""The walk's commonest actions done by one plain script in the page, Playwright's locator
only where that script is not sure.

Why: the first locator call on a new document makes Playwright install its selector engine
in that document (~30 ms of CPU: the renderer compiles and runs it, the browser and the
driver carry it), and a target walks through about thirty documents, most of them only to
find a button or a heading by its name, type into a field and wait for the next screen
(bench/overhead_bench.py, round 5). A plain ``page.evaluate`` costs ~4 ms, and the input
itself goes through Playwright's ``page.mouse`` / ``page.keyboard`` (the browser's own input
events, as a citizen's).

The rules are Playwright's, applied to the plain case only:

* a button or link "by role and exact name", a heading "by role, name contained" (case and
  whitespace aside), among elements not hidden (display, visibility, ``aria-hidden``);
* an element's name is its ``aria-label``, else its text, else (an input button) its value;
* a candidate whose name could be computed otherwise (``aria-labelledby``; an image, an
  icon, a ``::before`` text, a nested control or role inside it) makes the answer unsure, and
  an unsure answer is left to Playwright's own locator, so the walk never finds less, or
  other, than Playwright would (tests/test_direct.py holds the two to the same answers);
* a click is made only on an element that is enabled, has a box, holds still over two
  animation frames and is the one hit at its centre (Playwright's actionability checks);
  anything else goes to Playwright's ``click``, which waits and retries as it does;
* typing: the field focused and its text selected, then the keyboard's ``insertText``
  (Playwright's ``fill``); a list: the option chosen by its label and ``input`` + ``change``
  sent (Playwright's ``select_option``). Other kinds of field go to Playwright.
"""
from __future__ import annotations

import functools
import time
from typing import Any

from playwright.sync_api import Error as PlaywrightError, Page, TimeoutError as PlaywrightTimeout

#: Helpers shared by the page scripts below (one string, prefixed to each script).
_LIB = r"""
  const norm = t => (t || '').replace(/[\u200b\u00ad]/g, '').trim().replace(/\s+/g, ' ');
  const textOf = e => {
    if (['SCRIPT', 'NOSCRIPT', 'STYLE', 'TEMPLATE'].includes(e.nodeName)) return '';
    let text = '';
    for (let c = e.firstChild; c; c = c.nextSibling)
      text += c.nodeType === Node.TEXT_NODE ? c.nodeValue : c.nodeType === Node.ELEMENT_NODE ? textOf(c) : '';
    return text;
  };
  const roots = () => {
    const found = [document];
    for (let i = 0; i < found.length; i++)
      for (const e of found[i].querySelectorAll('*')) if (e.shadowRoot) found.push(e.shadowRoot);
    return found;
  };
  const all = selector => roots().flatMap(r => [...r.querySelectorAll(selector)]);
  const parentOf = e => e.parentElement || (e.getRootNode() instanceof ShadowRoot ? e.getRootNode().host : null);
  const hiddenForAria = e => {
    if (!e.checkVisibility({visibilityProperty: true})) return true;
    for (let n = e; n; n = parentOf(n)) if ((n.getAttribute('aria-hidden') || '').toLowerCase() === 'true') return true;
    return false;
  };
  const hasBox = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const visible = e => e.isConnected && hasBox(e) && e.checkVisibility({visibilityProperty: true});
  const pseudoText = e => ['::before', '::after'].some(p => {
    const c = getComputedStyle(e, p).content;
    return c && c !== 'none' && c !== 'normal' && c !== '""' && c !== "''";
  });
  // The name is surely the text as written: no part of it is named another way, hidden, or
  // set apart by a line break or a block (Playwright puts spaces there).
  const COMPLEX_INSIDE = '[aria-label], [aria-labelledby], [aria-hidden], [hidden], [role], [title], img, svg, ' +
                         'input, select, textarea, button, iframe, object, canvas, slot, br, wbr';
  const plainContent = e => !e.querySelector(COMPLEX_INSIDE) && !e.shadowRoot && !pseudoText(e) &&
    [...e.querySelectorAll('*')].every(d => {
      const style = getComputedStyle(d);
      return !d.shadowRoot && style.display === 'inline' && style.visibility === 'visible' && !pseudoText(d);
    });
  // [name, sure]: the accessible name as Playwright computes it in the plain case.
  const nameOf = e => {
    if (e.hasAttribute('aria-labelledby')) return ['', false];
    const aria = e.getAttribute('aria-label');
    if (aria !== null && aria.trim()) return [norm(aria), true];
    if (e.labels && e.labels.length) return ['', false];  // a <label> names it
    if (e.nodeName === 'INPUT') {
      if (e.type === 'image') return [norm(e.alt), e.hasAttribute('alt')];
      return [norm(e.value), e.hasAttribute('value') && e.labels.length === 0 && !e.hasAttribute('title')];
    }
    return [norm(textOf(e)), plainContent(e) && !e.hasAttribute('title')];
  };
  const NATIVE = {
    button: 'button, input[type=button], input[type=submit], input[type=reset], input[type=image]',
    link: 'a[href], area[href]',
    heading: 'h1, h2, h3, h4, h5, h6',
  };
  // The role attribute's first valid token wins, case aside (Playwright's rule); none or
  // presentation on a native element may be overridden by the browser: not sure.
  const ARIA_ROLES = new Set(('alert alertdialog application article banner blockquote button caption cell checkbox ' +
    'code columnheader combobox complementary contentinfo definition deletion dialog directory document emphasis ' +
    'feed figure form generic grid gridcell group heading img insertion link list listbox listitem log main mark ' +
    'marquee math menu menubar menuitem menuitemcheckbox menuitemradio meter navigation none note option paragraph ' +
    'presentation progressbar radio radiogroup region row rowgroup rowheader scrollbar search searchbox separator ' +
    'slider spinbutton status strong subscript superscript switch tab table tablist tabpanel term textbox time ' +
    'timer toolbar tooltip tree treegrid treeitem').split(' '));
  // true, false, or null (not sure)
  const roleIs = (e, roles) => {
    const native = roles.some(r => e.matches(NATIVE[r]));
    const attr = e.getAttribute('role');
    if (attr === null) return native;
    const explicit = attr.trim().toLowerCase().split(/\s+/).find(t => ARIA_ROLES.has(t));
    if (explicit === undefined) return native;
    if (explicit === 'none' || explicit === 'presentation') return native ? null : false;
    return roles.includes(explicit);
  };
  // Elements of these roles named ``name`` (exact, or contained, case aside): {found, sure}.
  const byRole = (roles, name, exact) => {
    const wanted = norm(name), lower = wanted.toLowerCase();
    let sure = true;
    const found = [];
    const single = roots().length === 1;
    for (const e of all(roles.map(r => NATIVE[r]).join(', ') + ', [role]')) {
      const is = roleIs(e, roles);
      if (is === false) continue;
      if (is === null || getComputedStyle(e).display === 'contents') { sure = false; continue; }
      if (hiddenForAria(e)) continue;
      const [n, plain] = nameOf(e);
      if (!plain) { sure = false; continue; }
      if (exact ? n === wanted : n.toLowerCase().includes(lower)) found.push(e);
    }
    // Across shadow roots, "first" in Playwright's order is not sure from here.
    if (found.length > 1 && !single) sure = false;
    return {found, sure};
  };
  const textHolders = needle => {  // the smallest elements whose text holds the needle
    const lower = norm(needle).toLowerCase(), out = [];
    const visit = e => {
      let inChild = false;
      for (const c of e.children) if (norm(textOf(c)).toLowerCase().includes(lower)) { inChild = true; visit(c); }
      if (!inChild) out.push(e);
    };
    for (const r of roots()) for (const c of r.children) if (norm(textOf(c)).toLowerCase().includes(lower)) visit(c);
    return out;
  };
"""

# What to look for, as plain data: {"heading": name} (a heading containing the name),
# {"control": name} (a button or link of exactly that name),
# {"text": text} (a visible element containing the text), {"css": selector} (a visible element;
# CSS only), {"unmarked_errors": [css...]} (a visible message not marked before the try). A
# list of them: any. Answers "yes", "no" or "unsure" (the page has a candidate this script
# cannot name for sure: Playwright must look).
_FIND = _LIB + r"""
  // present: as Playwright's count() (not hidden), else as its wait_for() (visible)
  const shown = (found, present) => present ? found.length > 0 : found.some(visible);
  const one = (w, present) => {
    if (w.heading !== undefined || w.control !== undefined) {
      const {found, sure} = w.heading !== undefined ? byRole(['heading'], w.heading, false)
                                                     : byRole(['button', 'link'], w.control, true);
      if (shown(found, present)) return 'yes';
      return sure ? 'no' : 'unsure';
    }
    if (w.text !== undefined) return shown(textHolders(w.text), present) ? 'yes' : 'no';
    if (w.css !== undefined) return shown(all(w.css), present) ? 'yes' : 'no';
    if (w.option !== undefined) {
      const list = __FIND_FIELDS__([w.option.field])[0];
      if (!list || list.unknown) return 'unsure';
      return [...(list.options || [])].some(o => o.label === w.option.label) ? 'yes' : 'no';
    }
    if (w.unmarked_errors !== undefined)
      return shown(all(w.unmarked_errors.map(s => s + ':not([data-dvc-seen])').join(', ')), present) ? 'yes' : 'no';
    return 'unsure';
  };
  const answer = (wanted, present) => {
    const answers = wanted.map(w => one(w, present));
    return answers.includes('yes') ? 'yes' : answers.includes('unsure') ? 'unsure' : 'no';
  };
"""

_FIND_NOW_JS = "wanted => {" + _FIND + " return answer(wanted, true); }"

# Waits in the page (its mutations, and a slow poll for what mutations do not tell: styles,
# layout) up to ``ms``; a navigation ends it early (the caller asks again in the new document).
_WAIT_JS = "([wanted, ms]) => {" + _FIND + r"""
  return new Promise(resolve => {
    let done = false, observer = null, poll = null, timer = null;
    const finish = a => {
      if (done) return; done = true;
      if (observer) observer.disconnect(); clearInterval(poll); clearTimeout(timer); resolve(a);
    };
    const check = () => { const a = answer(wanted, false); if (a !== 'no') finish(a); return a; };
    if (check() !== 'no') return;
    observer = new MutationObserver(check);
    observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    poll = setInterval(check, 100);
    timer = setTimeout(() => finish(answer(wanted, false)), ms);
  });
}"""

# The element to click, if this script is sure of it and it can be clicked now: its centre in
# CSS pixels of the viewport; else why not.
_CLICK_POINT_JS = "(name) => {" + _LIB + r"""
  if (!window.navigation) return {why: 'no navigation api'};
  const {found, sure} = byRole(['button', 'link'], name, true);
  if (!sure) return {why: 'unsure'};
  const e = found[0];
  if (!e) return {why: 'absent'};
  if (!visible(e)) return {why: 'not visible'};
  if (e.matches(':disabled') || e.closest('[aria-disabled="true" i]')) return {why: 'disabled'};
  const inView = r => r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  if (!inView(e.getBoundingClientRect())) e.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
  // A page that draws no frames (hidden) would keep this waiting: after a second, Playwright's.
  return new Promise(resolve => { setTimeout(() => resolve({why: 'no frames'}), 1000); requestAnimationFrame(() => {
    const a = e.getBoundingClientRect();
    requestAnimationFrame(() => {
      const b = e.getBoundingClientRect();
      if (a.x !== b.x || a.y !== b.y || a.width !== b.width || a.height !== b.height) return resolve({why: 'moving'});
      const x = b.left + b.width / 2, y = b.top + b.height / 2;
      let hit = document.elementFromPoint(x, y);
      while (hit && hit.shadowRoot && hit.shadowRoot.elementFromPoint(x, y) && hit.shadowRoot.elementFromPoint(x, y) !== hit)
        hit = hit.shadowRoot.elementFromPoint(x, y);
      for (let n = hit; n; n = parentOf(n)) if (n === e) {
        // Whether the click starts loading another document: Playwright's click waits for
        // such a navigation to commit, and so does ``click``. A form's submission is only
        // planned by the click (the navigation starts in a later task): its submit event
        // says it, as a link's click event does; a script's navigation says itself.
        if (!window.__dvcNavigationWatch) {
          window.__dvcNavigationWatch = true;
          navigation.addEventListener('navigate', ev => {
            if (!ev.destination.sameDocument && !ev.downloadRequest) window.__dvcNavigating = true;
          });
          const settled = () => { window.__dvcNavigating = false; };  // the page's script took it over
          navigation.addEventListener('navigatesuccess', settled);
          navigation.addEventListener('navigateerror', settled);
          addEventListener('submit', ev => { window.__dvcSubmit = ev; }, true);
          addEventListener('click', ev => { window.__dvcClick = ev; }, true);
        }
        window.__dvcNavigating = false; window.__dvcSubmit = null; window.__dvcClick = null;
        return resolve({x, y});
      }
      resolve({why: 'covered'});
    });
  }); });
}"""

# A field made ready for typing (focused, its text selected) or a list's option chosen, the
# field found by the get_by_label(exact) rule of engine.journey.fields_state or a CSS selector.
_PREPARE_JS = r"""([spec, option]) => {
  const e = __FIND_FIELDS__([spec])[0];
  if (!e || e.unknown) return 'absent';
  if (!e.isConnected || !e.checkVisibility({visibilityProperty: true})) return 'not visible';
  const r = e.getBoundingClientRect();
  if (!(r.width > 0 && r.height > 0)) return 'not visible';
  if (e.matches(':disabled') || e.readOnly || e.closest('[aria-disabled="true" i]')) return 'locked';
  if (option !== null) {
    if (e.nodeName !== 'SELECT' || e.multiple) return 'other kind';
    const norm = t => (t || '').trim().replace(/\s+/g, ' ');
    const chosen = [...e.options].find(o => option.first ? o.value !== '' : norm(o.label) === norm(option));
    if (!chosen) return 'no such option';
    if (chosen.disabled || (chosen.parentElement && chosen.parentElement.nodeName === 'OPTGROUP' && chosen.parentElement.disabled))
      return 'option disabled';
    if (!chosen.selected) {
      chosen.selected = true;
    }
    e.dispatchEvent(new Event('input', {bubbles: true, composed: true}));
    e.dispatchEvent(new Event('change', {bubbles: true}));
    return 'done';
  }
  const TYPED = ['', 'text', 'search', 'tel', 'url', 'email', 'password', 'number'];
  if (e.nodeName === 'INPUT' && TYPED.includes(e.type)) { e.select(); e.focus(); }
  else if (e.nodeName === 'TEXTAREA') { e.focus(); e.setSelectionRange(0, e.value.length); }
  else return 'other kind';
  if (e.getRootNode().activeElement !== e) return 'not focused';
  return e.type === 'number' ? 'number' : 'ready';
}"""


# --------------------------------------------------------------------------- reading


@functools.lru_cache(maxsize=None)
def _complete(script: str) -> str:
    """A script with engine.journey's field finder in place (imported late: journey imports this)."""
    from engine.journey import _FIND_FIELDS_JS
    return script.replace("__FIND_FIELDS__", "(" + _FIND_FIELDS_JS + ")")


def find_now(page: Page, wanted: list[dict[str, Any]]) -> str:
    """"yes", "no" or "unsure" (see _FIND) of what the page holds now (shown or not, as
    Playwright's ``count``), without waiting; "unsure" when the page cannot be read."""
    try:
        return page.evaluate(_complete(_FIND_NOW_JS), wanted)
    except PlaywrightError:
        return "unsure"


def wait_for(page: Page, wanted: list[dict[str, Any]], timeout_ms: float, fallback=None) -> None:
    """Wait until the page shows any of ``wanted``; raise Playwright's TimeoutError after
    ``timeout_ms``. Where the script stays unsure, ``fallback`` (a Playwright locator) waits
    for the rest of the time instead, so nothing Playwright would find is missed."""
    if wait_answer(page, wanted, timeout_ms, fallback) != "yes":
        raise PlaywrightTimeout(f"hết {timeout_ms / 1000:.0f} s chờ {wanted!r}")


def wait_answer(page: Page, wanted: list[dict[str, Any]], timeout_ms: float, fallback=None) -> str:
    """``wait_for``'s wait, ending with the last answer ("yes", "no", "unsure") instead of an
    error; with a ``fallback``, "yes" when it found the thing."""
    deadline = time.monotonic() + timeout_ms / 1000
    answer = "unsure"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            answer = page.evaluate(_complete(_WAIT_JS), [wanted, int(min(remaining, 2.0) * 1000)])
        except PlaywrightError:
            if page.is_closed():
                raise
            answer = "unsure"  # a navigation replaced the document: ask the new one
            time.sleep(0.02)
            continue
        if answer == "yes":
            return answer
        if answer == "unsure":
            if fallback is not None:
                return _fallback_wait(fallback, max(1.0, (deadline - time.monotonic()) * 1000))
            time.sleep(0.1)  # nobody else to ask: look again in a moment
    if answer == "unsure" and fallback is not None:
        return _fallback_wait(fallback, 1)  # one last look by Playwright's own rule
    return answer


def _fallback_wait(locator, timeout_ms: float) -> str:
    try:
        locator.wait_for(timeout=timeout_ms)
        return "yes"
    except PlaywrightTimeout:
        return "no"


def shows(page: Page, wanted: list[dict[str, Any]], fallback=None) -> bool:
    """The page shows any of ``wanted`` now (Playwright's ``fallback`` locator decides where the
    script is unsure: ``count() > 0``)."""
    answer = find_now(page, wanted)
    if answer == "unsure" and fallback is not None:
        try:
            return fallback.count() > 0
        except PlaywrightError:
            return False
    return answer == "yes"


_EMPTY_VISIBLE_JS = "css => {" + _LIB + " return all(css).filter(e => visible(e) && !e.value).length; }"


def empty_visible(page: Page, css: str) -> int | None:
    """How many visible elements matching ``css`` (open shadow roots included, as Playwright's
    CSS) have no value; None when the page cannot be read."""
    try:
        return page.evaluate(_EMPTY_VISIBLE_JS, css)
    except PlaywrightError:
        return None


_LAST_TEXT_HOLDING_JS = "([css, text]) => {" + _LIB + r"""
  const lower = norm(text).toLowerCase();
  const holding = all(css).filter(e => norm(textOf(e)).toLowerCase().includes(lower));
  return holding.length ? holding[holding.length - 1].innerText : '';
}"""


def last_text_holding(page: Page, css: str, text: str) -> str | None:
    """The shown text of the last element matching ``css`` whose text holds ``text`` (case
    aside), as Playwright's ``locator(css).filter(has_text=text).last.inner_text()``; "" when
    none does, None when the page cannot be read."""
    try:
        return page.evaluate(_LAST_TEXT_HOLDING_JS, [css, text])
    except PlaywrightError:
        return None


def heading(name: str) -> dict[str, Any]:
    return {"heading": name}


# --------------------------------------------------------------------------- acting


def click(page: Page, name: str, timeout_ms: float | None = None) -> None:
    """Click the button or link named exactly ``name`` (engine.journey.clickable's rule)."""
    try:
        point = page.evaluate(_CLICK_POINT_JS, name)
    except PlaywrightError:
        point = {"why": "unreadable"}
    if "x" in point:
        watch = _NavigationWatch(page)
        try:
            page.mouse.click(point["x"], point["y"])
            _await_commit(page, watch, 30_000 if timeout_ms is None else timeout_ms)
        finally:
            watch.close()
        return
    from engine.journey import clickable
    kwargs = {} if timeout_ms is None else {"timeout": timeout_ms}
    clickable(page, name).click(**kwargs)


# In the clicked document: resolves false at once when no navigation started, true after
# ``ms`` while one is still pending; the document's end (the commit) rejects it.
_PENDING_JS = r"""ms => new Promise(r => {
  const here = t => !t || /^_(self|top|parent)$/i.test(t);
  const submit = window.__dvcSubmit, click = window.__dvcClick;
  const form = submit && !submit.defaultPrevented ? submit.target : null;
  const formGoes = !!form && here((submit.submitter && submit.submitter.getAttribute('formtarget')) || form.target);
  let link = null;
  if (click && !click.defaultPrevented)
    for (let n = click.target; n && !link; n = n.parentElement) if (n.nodeName === 'A' && n.hasAttribute('href')) link = n;
  const linkGoes = !!link && !link.hasAttribute('download') && here(link.target) && /^https?:$/.test(link.protocol) &&
                   !(link.hash && link.href.split('#')[0] === location.href.split('#')[0]);
  (window.__dvcNavigating || formGoes || linkGoes) ? setTimeout(() => r(true), ms) : r(false);
})"""


class _NavigationWatch:
    """The page's main-frame document requests while a click's navigation may be pending: a
    navigation answered without a new document (a download, 204 No Content) or never asked
    of the network (mailto:, tel:) commits nothing, and must not be waited for."""

    EVENTS = ("request", "requestfinished", "requestfailed", "download")

    def __init__(self, page: Page):
        self.page, self.latest, self.answered_at, self.download = page, None, None, False
        self.handlers = dict(zip(self.EVENTS, (self._request, self._ended, self._ended, self._download)))
        for event, handler in self.handlers.items():
            page.on(event, handler)

    def _request(self, request) -> None:
        try:
            if request.is_navigation_request() and request.frame == self.page.main_frame:
                self.latest, self.answered_at = request, None
        except PlaywrightError:
            pass

    def _ended(self, request) -> None:
        if request is self.latest:
            self.answered_at = time.monotonic()

    def _download(self, _download) -> None:
        self.download = True

    def close(self) -> None:
        for event, handler in self.handlers.items():
            try:
                self.page.remove_listener(event, handler)
            except (PlaywrightError, ValueError, KeyError):
                pass


def _await_commit(page: Page, watch: _NavigationWatch, timeout_ms: float) -> None:
    """After a click: wait until the navigation it started (if any) commits a new document."""
    started = time.monotonic()
    deadline = started + timeout_ms / 1000
    while time.monotonic() < deadline:
        try:
            if not page.evaluate(_PENDING_JS, 250):
                return  # nothing pending in this document, or the new document answered
        except PlaywrightError:
            if page.is_closed():
                return
            time.sleep(0.01)  # the old document went away: the next question goes to the new one
            continue
        now = time.monotonic()
        if watch.download or (watch.latest is None and now - started > 1.0):
            return  # a download, or nothing asked of the network: no new document comes
        if watch.answered_at is not None and now - watch.answered_at > 0.25:
            return  # answered without a new document (204, an attachment)


def fill(page: Page, spec, value: str) -> None:
    """Type ``value`` into the field as Playwright's ``fill`` does (focus, select all, insert)."""
    prepared = _prepare(page, spec, None)
    if prepared == "number":  # Playwright types a number only (else it refuses): the same here
        value = value.strip()
        if value and _is_number(value):
            prepared = "ready"
    if prepared == "ready":
        if value:
            page.keyboard.insert_text(value)
        else:
            page.keyboard.press("Delete")
        return
    from engine.journey import field_locator
    field_locator(page, spec).fill(value)


def select_first(page: Page, spec) -> bool:
    """Choose the list's first real option (a value that is not empty), as Playwright's
    ``select_option(value=...)`` would; False when this script could not (the caller asks
    Playwright)."""
    return _prepare(page, spec, {"first": True}) == "done"


def _is_number(value: str) -> bool:
    """As JavaScript's ``!isNaN(Number(value))`` for what a citizen types (digits, sign, point,
    exponent; no hex or "Infinity" spelled out)."""
    import re
    return re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value) is not None


def select(page: Page, spec, label: str) -> None:
    """Choose the option labelled ``label`` in a list, as Playwright's ``select_option``."""
    if _prepare(page, spec, label) == "done":
        return
    from engine.journey import field_locator
    field_locator(page, spec).select_option(label=label)


def _prepare(page: Page, spec, option: str | None) -> str:
    # One rule for reading a field (engine.journey.fields_state) and for typing into it.
    try:
        return page.evaluate(_complete(_PREPARE_JS), [{"label": spec.label or "", "selector": spec.selector or ""}, option])
    except PlaywrightError:
        return "unreadable"
