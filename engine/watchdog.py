"""A bound on one target's walk, kept from outside the walk.

Why: Playwright's ``evaluate`` has no timeout, and a page whose own script never yields (a
portal stuck in an endless loop) never answers it, nor a click, nor a picture. Without a bound,
one such portal would hold its worker for the rest of the night. Each target gets a budget
(``thresholds.target_budget_s``, default 20 minutes; ``--dvc-target-budget`` for a whole run).
When it runs out, a timer thread ends the page (renderer) processes of this worker's browser:
the call that waits fails at once, as on a crashed tab, and the walk stops at its next step.
Whatever was not observed in full becomes "không kiểm tra được" with the reason. The browser
itself lives on: the next target's pages get a new renderer, as after any crash.

The Playwright connection is not thread-safe, so the timer never calls Playwright; ending a
process is the one thing it can do from outside. Where the browser is not this machine's child
(``--dvc-cdp-endpoint``, ``--dvc-ws-endpoint``) or there is no /proc, nothing is ended: the walk
still stops at its next step, but a call that never returns is not cut.
"""
from __future__ import annotations

import os
import signal
import threading

from engine.processes import command_line, process_tree

#: After the budget ran out, the page processes are ended again this often until the walk has
#: stopped: a step already under way may open a new page (and so a new renderer) meanwhile.
REPEAT_S = 2.0


def end_page_processes(root: int | None = None) -> int:
    """End every Chromium renderer below ``root`` (default: this process); how many."""
    ended = 0
    for pid in process_tree(root or os.getpid()):
        if "--type=renderer" in command_line(pid):
            try:
                os.kill(pid, signal.SIGKILL)
                ended += 1
            except OSError:
                pass  # gone already
    return ended


class TargetBudget:
    """``with TargetBudget(600) as budget: ...``; ``budget.expired`` tells the walk to stop.
    ``seconds`` None or 0: no bound (``expired`` stays False)."""

    def __init__(self, seconds: float | None, *, end_processes=end_page_processes):
        self.seconds = seconds or None
        self._end_processes = end_processes
        self._expired = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.ended_processes = 0

    def __enter__(self) -> "TargetBudget":
        if self.seconds:
            self._thread = threading.Thread(target=self._watch, name="dvc-target-budget", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def expired(self) -> bool:
        return self._expired.is_set()

    def reason(self, where: str = "") -> str:
        place = f" khi {where}" if where else ""
        return (f"hết thời gian cho phép cho một mục tiêu ({self.seconds:g} giây, ngưỡng target_budget_s): "
                f"công cụ dừng hành trình{place}; phần chưa quan sát xong không được đánh giá")

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self._expired.set()
        while True:
            self.ended_processes += self._end_processes()
            if self._done.wait(REPEAT_S):
                return
