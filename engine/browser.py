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
