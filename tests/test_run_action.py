"""The national portal's steps (engine.journey.run_action) on a real page: a choice the list
offers is taken, one filled in by a script a moment later too, and one it does not offer is
said at once with its name, not after the whole navigation timeout."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from engine.journey import OPTION_WAIT_MS, run_action
from engine.scenario import Action

PAGE = """<!doctype html><html lang="vi"><body>
<label for="tinh">Tỉnh/Thành phố, Bộ ngành</label>
<select id="tinh"><option value="">-- Chọn --</option><option value="P01">Tỉnh Hà Giang</option></select>
<label for="cq">Cơ quan thực hiện</label><select id="cq"><option value="">-- Chọn --</option></select>
<script>
  document.getElementById('tinh').addEventListener('change', () => setTimeout(() => {
    document.getElementById('cq').add(new Option('Sở Tư pháp tỉnh Hà Giang', 'P01-STP'));
  }, 400));
</script></body></html>"""


@pytest.fixture
def national(page):
    page.set_default_timeout(20_000)  # a scenario's navigation timeout
    page.set_content(PAGE)
    return page


def test_offered_choices_are_taken_even_when_a_script_adds_them(national):
    run_action(national, Action("select", {"label": "Tỉnh/Thành phố, Bộ ngành", "option": "{unit}"}),
               {"unit": "Tỉnh Hà Giang"})
    run_action(national, Action("select", {"label": "Cơ quan thực hiện", "option": "Sở Tư pháp tỉnh Hà Giang"}), {})
    assert national.locator("#tinh").input_value() == "P01"
    assert national.locator("#cq").input_value() == "P01-STP"


def test_a_choice_not_offered_is_said_at_once(national):
    started = time.monotonic()
    with pytest.raises(PlaywrightError, match="không có lựa chọn “Thanh tra Chính phủ” trong danh sách"):
        run_action(national, Action("select", {"label": "Tỉnh/Thành phố, Bộ ngành", "option": "Thanh tra Chính phủ"}),
                   {})
    assert time.monotonic() - started < OPTION_WAIT_MS / 1000 + 3
