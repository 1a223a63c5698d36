"""Which Chromium to launch, and with which flags.

Playwright's own browser build is used where it is installed. Where it is not (Playwright
cannot download it on machines without internet), the system's Chromium is used through
``executable_path``; Playwright drives a current Debian Chromium fine.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

#: Keep Chromium from calling home: on a closed network those calls fail by the hundred and
#: slow every start; on an open one they are traffic nobody asked for.
QUIET_FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--disable-quic"]

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def playwright_chromium_installed() -> bool:
    """True when Playwright's own Chromium build is on disk (checked without launching it)."""
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            return Path(p.chromium.executable_path).exists()
    except Exception:
        return False


def system_chromium() -> str | None:
    explicit = os.environ.get("DVC_CHROMIUM")
    if explicit:
        return explicit
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def launch_overrides() -> dict:
    """What to add to Playwright's launch arguments on this machine."""
    extra: dict = {"args": list(QUIET_FLAGS)}
    if os.environ.get("DVC_CHROMIUM") or not playwright_chromium_installed():
        path = system_chromium()
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
