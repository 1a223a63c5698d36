"""response_time — screen transitions are fast: every transition of the walk (the hand-off
from the national portal, each step of the form, the submission) against the scenario's
threshold (the letter flags over 15 s); the slowest one is named."""
from __future__ import annotations

import statistics

from checks.common import seconds
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc


def transitions(ev: Evidence) -> list[tuple[str, list[float]]]:
    """Every timed transition of the walk, with its times over the repeated walks if any."""
    repeated = [a.get("timings") or {} for a in (ev.probes.get("repeats") or {}).get("attempts") or []]
    out = []
    if ev.handoff_elapsed_s is not None and not ev.handoff_error:
        out.append(("chuyển từ Cổng DVCQG sang HTTT giải quyết TTHC", [ev.handoff_elapsed_s]))
    for index, step in enumerate(ev.steps):
        if step.elapsed_s is None:
            continue
        following = ev.steps[index + 1].name if index + 1 < len(ev.steps) else None
        label = (f"chuyển từ bước “{step.name}” sang bước “{following}”" if following
                 else f"bước “{step.name}”" + (" (nộp hồ sơ)" if ev.submission else ""))
        samples = [step.elapsed_s] + [t[step.name] for t in repeated if step.name in t]
        out.append((label, samples))
    return out


@check("response_time", probes=("repeats",))
def response_time(ev: Evidence, ctx: CheckContext) -> Verdict:
    timed = [(name, statistics.median(samples), samples) for name, samples in transitions(ev)]
    if not timed:
        return khong_kiem_tra_duoc(ev.stopped or "không đo được thời gian chuyển màn hình nào")
    threshold = ctx.target.thresholds.response_time_s
    slowest = max(timed, key=lambda t: t[1])
    facts = {"transitions": [{"transition": name, "median_s": round(median, 3), "samples_s": samples}
                             for name, median, samples in timed],
             "max_s": round(slowest[1], 3), "median_s": round(statistics.median(t[1] for t in timed), 3),
             "threshold_s": threshold, "walks": 1 + max(len(samples) - 1 for _, _, samples in timed)}
    unit = ctx.unit_name
    limit = f"{threshold:g}".replace(".", ",")
    over = " (trung vị qua các lần thực hiện)" if facts["walks"] > 1 else ""
    if slowest[1] > threshold:
        slow = [name for name, median, _ in timed if median > threshold]
        more = f"; {len(slow)} lần chuyển màn hình vượt ngưỡng" if len(slow) > 1 else ""
        return chua_dat(f"Thời gian phản hồi của hệ thống {unit} chậm (trên {limit} giây) khi thực hiện chuyển các màn "
                        f"hình (chậm nhất: {slowest[0]}, {seconds(slowest[1])}{over}{more}).", **facts)
    return dat(f"Thời gian phản hồi của hệ thống {unit} khi chuyển giữa các màn hình nhanh (không quá {limit} giây; "
               f"chậm nhất: {slowest[0]}, {seconds(slowest[1])}{over}).", **facts)
