"""The target watchdog (engine/watchdog.py): the budget runs out on time, ends only the page
processes below this one, and the verdicts leave out what was cut. A frozen portal in a real
browser is tested end to end in tests/e2e/test_portal_faults.py (unit treo-trang)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from engine.plugin import _cut_short
from engine.processes import command_line, process_tree
from engine.watchdog import TargetBudget, end_page_processes


def test_no_budget_never_expires():
    for seconds in (None, 0):
        with TargetBudget(seconds, end_processes=lambda: 1 / 0) as budget:
            time.sleep(0.05)
        assert not budget.expired and budget._thread is None


def test_the_budget_runs_out_ends_page_processes_and_keeps_ending_them(monkeypatch):
    monkeypatch.setattr("engine.watchdog.REPEAT_S", 0.05)
    calls = []
    with TargetBudget(0.1, end_processes=lambda: calls.append(time.monotonic()) or 1) as budget:
        assert not budget.expired
        time.sleep(0.4)
        assert budget.expired
    count = len(calls)
    assert count >= 3, calls  # once when it ran out, then again while the walk was still stopping
    assert budget.ended_processes == count
    time.sleep(0.15)
    assert len(calls) == count  # nothing more once the walk is over
    assert "0.1 giây" in budget.reason() and "target_budget_s" in budget.reason()
    assert budget.reason("ở bước “Bước 2”").count("khi ở bước “Bước 2”") == 1


def test_a_walk_within_its_budget_ends_nothing():
    calls = []
    with TargetBudget(5, end_processes=lambda: calls.append(1) or 0) as budget:
        pass
    assert not budget.expired and calls == []


def test_only_renderers_below_this_process_are_ended():
    # Two children of this process, one named as Chromium names its page processes.
    renderer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "--type=renderer"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "--type=gpu-process"])
    try:
        assert renderer.pid in process_tree(os.getpid())
        assert "--type=renderer" in command_line(renderer.pid)
        assert end_page_processes() == 1
        assert renderer.wait(timeout=5) != 0
        assert other.poll() is None
    finally:
        for process in (renderer, other):
            if process.poll() is None:
                process.kill()
            process.wait()


def test_what_was_cut_is_not_judged():
    walk = {"phase": "walk", "unfinished_probes": []}
    assert _cut_short(walk, "redirect") and _cut_short(walk, "draft_persistence")
    probes = {"phase": "probes", "unfinished_probes": ["draft_persistence", "mobile_layout"]}
    assert _cut_short(probes, "draft_persistence")  # its probe was cut
    assert _cut_short(probes, "mobile_layout")
    assert not _cut_short(probes, "redirect")  # judged on the main walk, which was complete
    assert not _cut_short(probes, "input_validation")  # its probe had finished


def test_probes_after_the_budget_ran_out_are_cut_and_named(monkeypatch):
    # The probe loop of engine.probes with stand-in probes: the second one is under way when
    # the budget runs out, the third is never tried; what each criterion reads follows.
    from engine import probes
    from engine.journey import Evidence, Journey, PageObservation

    budget = TargetBudget(30)  # not entered: no timer; it runs out when the probe below says
    journey = Journey.__new__(Journey)
    journey.ctx = type("Ctx", (), {"budget": budget})()
    journey.evidence = Evidence(code="2.000635", procedure="", target="t", unit_id="u", unit_name="U",
                                unit_url="", test_system=True)
    journey.evidence.form = PageObservation(url="http://127.0.0.1/")
    ran = []

    def looks(session):
        ran.append("identity_account")
        return {"seen": True}

    def runs_out(session):
        ran.append("privacy")
        budget._expired.set()
        return {"seen": "half"}

    def never(session):
        ran.append("repeats")
        return {}

    monkeypatch.setattr(probes, "PROBES", {"identity_account": looks, "privacy": runs_out, "repeats": never})
    session = type("Session", (), {"between_probes": lambda self: None})()
    probes._run_each(session, journey, {"identity_account", "privacy", "repeats"})

    assert ran == ["identity_account", "privacy"]
    cut = journey.evidence.out_of_time
    assert cut["phase"] == "probes" and cut["unfinished_probes"] == ["privacy", "repeats"]
    # Where it stood, as a reader names it: the criterion the cut probe serves.
    assert "dừng hành trình khi kiểm tra “Bảo vệ thông tin hồ sơ”" in cut["reason"], cut
    assert journey.evidence.probes["repeats"] == {"error": cut["reason"]}
    assert journey.evidence.probes["identity_account"] == {"seen": True}
    assert not _cut_short(cut, "identity_account")
    assert _cut_short(cut, "privacy") and _cut_short(cut, "stability") and _cut_short(cut, "response_time")
