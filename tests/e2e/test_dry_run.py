"""Safety: on a target not marked as a test system, the final submission is intercepted in
the browser and never reaches the portal. Asserted at the server: the portal's own list of
the citizen's dossiers stays empty (a fresh sandbox, so nothing else submitted there)."""
from __future__ import annotations

import pytest

from engine.sandbox_process import SandboxProcess
from tests.e2e.conftest import ROOT, run_pytest_tool, write_scenario

pytestmark = pytest.mark.e2e


def _dossiers_at_server(browser, urls: dict) -> list[str]:
    """The dossiers the sandbox holds for citizen 1, as the national portal lists them (the
    session's browser: one Playwright per test process)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(urls["national"] + "/")
        page.get_by_role("link", name="Đăng nhập", exact=True).or_(
            page.get_by_role("button", name="Đăng nhập", exact=True)).first.click()
        page.get_by_label("Số định danh cá nhân", exact=True).fill("001090012345")
        page.get_by_label("Mật khẩu", exact=True).fill("MatKhau@123")
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
        page.goto(urls["national"] + "/ho-so-cua-toi")
        return page.locator("tbody tr").all_inner_texts()
    finally:
        context.close()


@pytest.mark.parametrize("test_system", [False, True], ids=["production", "test-system"])
def test_submission_reaches_the_portal_only_on_test_systems(tmp_path, test_system, browser):
    with SandboxProcess() as urls:
        scenario = write_scenario(tmp_path, ROOT / "sandbox" / "scenarios" / "2.000635.yaml", targets=["tham-chieu"])
        text = scenario.read_text(encoding="utf-8").replace(
            "unit: tham-chieu", f"unit: tham-chieu\n  test_system: {str(test_system).lower()}", 1)
        scenario.write_text(text, encoding="utf-8")
        run = run_pytest_tool([scenario], tmp_path / "run", "--dvc-criteria", "redirect",
                              urls_file=urls_file(tmp_path, urls))
        records = run.records
        assert records, run.output[-2000:]
        assert records[0]["dry_run"] is (not test_system)
        dossiers = _dossiers_at_server(browser, urls)
    if test_system:
        assert len(dossiers) == 1, dossiers  # the control: the same walk does submit on a test system
    else:
        assert dossiers == [], dossiers


def urls_file(tmp_path, urls: dict):
    import json
    path = tmp_path / "urls.json"
    path.write_text(json.dumps(urls), encoding="utf-8")
    return path
