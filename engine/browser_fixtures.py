"""Overrides of pytest-playwright's fixtures, registered by engine.plugin at configure time.

A user's own override in a conftest.py still wins over these.
"""
from __future__ import annotations

import pytest

from engine.browser import launch_overrides


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch args plus the system Chromium where Playwright has none."""
    extra = launch_overrides()
    merged = dict(browser_type_launch_args)
    merged["args"] = [*merged.get("args", []), *extra.pop("args")]
    merged.update({k: v for k, v in extra.items() if k not in merged})
    return merged
