"""Which Chromium to launch, and with which flags.

Playwright's own browser build is used where it is installed. Where it is not (Playwright
cannot download it on machines without internet), the system's Chromium is used through
``executable_path``; Playwright drives a current Debian Chromium fine.

Headless runs prefer the system's headless shell (Debian's ``chromium-headless-shell``, the
same kind of build Playwright itself uses for headless Chromium): it has no browser UI to
run, and a full replica target costs about half the CPU it costs in the full browser's
headless mode (bench/overhead_bench.py, 14,4 → 7,9 CPU-seconds per target, same verdicts).
A headed run (``--headed``, debugging one step) needs the full browser.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

#: Keep Chromium from calling home: on a closed network those calls fail by the hundred and
#: slow every start; on an open one they are traffic nobody asked for.
QUIET_FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-quic"]

#: One renderer process for a context's pages wherever Chromium allows it (the national
#: portal, the identity provider and the unit's portal are three sites: without it, every
#: hand-off starts new renderer processes, ~80 ms of CPU each, about ten per target).
LIGHT_FLAGS = ["--renderer-process-limit=1"]

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HEADLESS_SHELL_CANDIDATES = ("chromium-headless-shell", "chrome-headless-shell")


def playwright_chromium_installed() -> bool:
    """True when Playwright's own Chromium build is on disk (checked without launching it)."""
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            return Path(p.chromium.executable_path).exists()
    except Exception:
        return False


def system_chromium(headless: bool = False) -> str | None:
    """The system's Chromium (``DVC_CHROMIUM`` wins); for a headless run its headless shell
    where installed."""
    explicit = os.environ.get("DVC_CHROMIUM")
    if explicit:
        return explicit
    for name in (*HEADLESS_SHELL_CANDIDATES, *SYSTEM_CANDIDATES) if headless else SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def browsers_ready() -> bool:
    """Set-up is complete: Playwright's own Chromium, or the system's Chromium with its
    headless shell (``./dvc`` installs Debian's packages otherwise)."""
    if os.environ.get("DVC_CHROMIUM") or playwright_chromium_installed():
        return True
    return bool(system_chromium()) and any(shutil.which(n) for n in HEADLESS_SHELL_CANDIDATES)


def launch_overrides(headless: bool = True) -> dict:
    """What to add to Playwright's launch arguments on this machine."""
    extra: dict = {"args": [*QUIET_FLAGS, *LIGHT_FLAGS]}
    if os.environ.get("DVC_CHROMIUM") or not playwright_chromium_installed():
        path = system_chromium(headless)
        if path:
            extra["executable_path"] = path
    return extra


def close_quietly(page_or_context) -> None:
    """Close a page or a context; never raise, never hang.

    A page closed while one of its navigations commits can be left open by Chromium, which
    still acknowledges the close (crbug.com/536385539; microsoft/playwright#42068): Playwright's
    ``page.close()`` then waits forever, and one slow portal would hang the whole night. So a
    page first gets a bounded moment to finish what it is loading, then is closed without
    waiting for the browser's confirmation (``run_before_unload=True`` returns at once); a page
    that survives is closed with its context, which ends all its pages."""
    from playwright.sync_api import Error as PlaywrightError, Page
    try:
        if isinstance(page_or_context, Page):
            try:
                page_or_context.wait_for_load_state("load", timeout=5000)
            except PlaywrightError:
                pass  # still loading: closed all the same
            page_or_context.close(run_before_unload=True)
        else:
            page_or_context.close()
    except PlaywrightError:
        pass


#: What a picture masks, drawn by one script in the page and removed after the picture: the
#: boxes of every form field (input, list, text area; open shadow roots included) and of the
#: smallest element showing one of the personal texts (whitespace and case aside, as
#: Playwright's get_by_text). Playwright's own ``mask`` option does the same with its highlight
#: overlay, at ~70 ms of browser CPU per picture against ~20 here (bench/overhead_bench.py);
#: a picture per probe made it a tenth of a target's CPU. The layer is a manual popover, so
#: it is drawn in the top layer, above a modal dialog that shows personal data too.
MASK_COLOR = "#FF00FF"
_MASK_LAYER_JS = r"""([texts, color]) => {
  const ID = '__dvc_mask_layer__';
  const old = document.getElementById(ID);
  if (old) old.remove();
  if (texts === null) return 0;
  const norm = t => (t || '').replace(/[\u200b\u00ad]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
  const wanted = texts.map(norm).filter(Boolean);
  const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const e of roots[i].querySelectorAll('*')) if (e.shadowRoot) roots.push(e.shadowRoot);
  const boxes = [];
  const cover = e => { for (const r of e.getClientRects()) if (r.width && r.height) boxes.push(r); };
  const smallest = (e, text) => {  // the deepest elements whose text holds it
    let inChild = false;
    for (const c of e.children) if (norm(c.textContent).includes(text)) { inChild = true; smallest(c, text); }
    if (!inChild) cover(e);
  };
  for (const root of roots) {
    for (const e of root.querySelectorAll('input:not([type=hidden]), select, textarea')) cover(e);
    for (const text of wanted)
      for (const c of root.children) if (norm(c.textContent).includes(text)) smallest(c, text);
  }
  // Elements of their own name, every property set and marked important: a portal's own
  // style sheet (``div { margin: 10px }``, ``* { ... !important }``) cannot move a box.
  const made = (props) => {
    const e = document.createElement('dvc-mask');
    e.style.setProperty('all', 'initial', 'important');
    for (const [name, value] of Object.entries(props)) e.style.setProperty(name, value, 'important');
    return e;
  };
  const layer = made({position: 'fixed', left: '0', top: '0', width: '100vw', height: '100vh', margin: '0',
                      padding: '0', border: '0', overflow: 'visible', background: 'transparent',
                      'pointer-events': 'none', 'z-index': '2147483647', display: 'block'});
  layer.id = ID;
  for (const r of boxes)
    layer.appendChild(made({position: 'absolute', display: 'block', left: r.left + 'px', top: r.top + 'px',
                            width: r.width + 'px', height: r.height + 'px', background: color}));
  document.documentElement.appendChild(layer);
  if (layer.showPopover) { layer.popover = 'manual'; layer.showPopover(); }
  return boxes.length;
}"""


def evidence_screenshot(page, path, personal=()) -> None:
    """A picture for the report: the viewport at CSS pixels (a phone's picture is not three
    times larger), every form field and any text with the citizen's ``personal`` data masked.
    The text caret is left as it is: hiding it means a style injected and removed around
    every picture. A page that cannot be masked gets no picture (the error goes up): a
    picture in clear is never written."""
    page.evaluate(_MASK_LAYER_JS, [list(personal), MASK_COLOR])
    try:
        page.screenshot(path=str(path), full_page=False, scale="css", caret="initial")
    finally:
        try:
            page.evaluate(_MASK_LAYER_JS, [None, MASK_COLOR])
        except Exception:  # the page went away meanwhile: its layer went with it
            pass
