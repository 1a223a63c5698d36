"""Overrides of pytest-playwright's fixtures, registered by engine.plugin at configure time.

A user's own override in a conftest.py still wins over these.
"""
from __future__ import annotations

import pytest

from engine.browser import launch_overrides


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch args plus the system Chromium where Playwright has none."""
    merged = dict(browser_type_launch_args)
    extra = launch_overrides(headless=merged.get("headless", True))
    merged["args"] = [*merged.get("args", []), *extra.pop("args")]
    merged.update({k: v for k, v in extra.items() if k not in merged})
    return merged


def remote_endpoint(config: pytest.Config) -> tuple[str, str] | None:
    """("cdp", url) or ("ws", url) when the browser comes from elsewhere (a grid, a browser
    started by hand with --remote-debugging-port, a ``playwright run-server``)."""
    cdp = config.getoption("dvc_cdp_endpoint", None)
    ws = config.getoption("dvc_ws_endpoint", None)
    if cdp:
        return "cdp", cdp
    if ws:
        return "ws", ws
    return None


def remote_problem(kind: str, url: str, browser_name: str = "chromium") -> str | None:
    """None when a browser answers at the endpoint, else why not (checked once by the
    controller before collection, so that an unreachable grid is one message, not an error
    per item)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        try:
            if kind == "cdp":
                remote = playwright.chromium.connect_over_cdp(url, timeout=30_000)
            else:
                remote = getattr(playwright, browser_name).connect(url, timeout=30_000)
        except PlaywrightError as error:
            first = str(error).splitlines()[0] if str(error) else error.__class__.__name__
            return f"Không kết nối được trình duyệt từ xa ({'CDP' if kind == 'cdp' else 'Playwright'}) tại {url}: {first}"
        remote.close()
    return None


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config, playwright, browser_name: str, request):
    """pytest-playwright's browser, or one reached through ``--dvc-cdp-endpoint`` (Chromium's
    DevTools protocol) or ``--dvc-ws-endpoint`` (a Playwright server). A remote browser is
    only disconnected from at the end, never closed: it belongs to whoever started it."""
    endpoint = remote_endpoint(pytestconfig)
    if endpoint is None:
        launched = request.getfixturevalue("launch_browser")()
        yield launched
        launched.close()
        return
    kind, url = endpoint
    if kind == "cdp":
        if browser_name != "chromium":
            raise pytest.UsageError(f"--dvc-cdp-endpoint chỉ dùng được với Chromium (đang chọn {browser_name})")
        remote = playwright.chromium.connect_over_cdp(url)
    else:
        remote = getattr(playwright, browser_name).connect(url)
    yield remote
    # Closing a connected browser drops this client's contexts and disconnects.
    remote.close()
