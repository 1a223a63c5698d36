"""redirect — "điều hướng chính xác": from the national service page, the "Nộp trực tuyến"
button lands on the unit's own system, on this procedure (its form, or the unit's answer
about this procedure), not on its home page, another host, or an error. Repeated
``thresholds.repeats`` times: a hand-off that works only some of the time is "không ổn định"."""
from __future__ import annotations

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.observe import PageObservation
from engine.phrases import HOME_PATHS
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc, mot_phan



def _sentence_fail(unit: str, why: str) -> str:
    return (f"Chưa thực hiện điều hướng chính xác dịch vụ công trực tuyến do {unit} cung cấp trên Cổng DVCQG "
            f"về HTTT giải quyết TTHC của {unit} ({why}).")


def landing_problem(landing: PageObservation | None, error: str | None, unit_host: str | None) -> str | None:
    """Why a hand-off did not land on the procedure at the unit, or None when it did."""
    if error:  # timed out, reset, looped: the citizen was not taken anywhere
        return f"lỗi khi điều hướng: {error}"
    if landing is None:
        return "không ghi nhận được trang đích"
    if unit_host and landing.host != unit_host:
        return f"điều hướng tới {landing.host}, không phải hệ thống của đơn vị"
    if landing.status and landing.status >= 400:
        return f"trang đích báo lỗi HTTP {landing.status}"
    if landing.path.rstrip("/") in HOME_PATHS:
        return "điều hướng về trang chủ thay vì dịch vụ công trực tuyến"
    return None


@check("redirect", probes=("handoff_repeats",))
def redirect(ev: Evidence, ctx: CheckContext) -> Verdict:
    if ev.national_error:
        return khong_kiem_tra_duoc(f"không thực hiện được bước trên Cổng DVCQG ({ev.national_error})",
                                   start=ev.handoff_start)
    # An anti-bot page in front of the portal is decided once for every criterion, in the
    # plugin, before any check runs.
    landing = ev.landing
    facts = {"chain": ev.handoff_chain, "parameters": ev.handoff_params, "elapsed_s": ev.handoff_elapsed_s,
             "landing_url": landing.url if landing else None,
             "screenshot": landing.screenshot if landing else None}
    unit = ctx.unit_name
    problems = [landing_problem(landing, ev.handoff_error, ctx.unit_host)]
    for attempt in (ev.probes.get("handoff_repeats") or {}).get("attempts", []):
        if attempt.get("challenge"):
            continue  # hidden by an anti-bot page: neither a success nor a failure
        page = PageObservation(**attempt["landing"]) if attempt.get("landing") else None
        problems.append(landing_problem(page, attempt.get("error"), ctx.unit_host))
    failures = [p for p in problems if p]
    if len(problems) > 1:
        facts["attempts"] = len(problems)
        facts["failed_attempts"] = failures
    if not failures:
        return dat(f"Đã thực hiện điều hướng chính xác dịch vụ công trực tuyến do {unit} cung cấp trên Cổng DVCQG "
                   f"về HTTT giải quyết TTHC của {unit}.", **facts)
    if len(failures) < len(problems):
        return mot_phan(f"Việc điều hướng dịch vụ công trực tuyến từ Cổng DVCQG về HTTT giải quyết TTHC của {unit} "
                        f"không ổn định: {len(problems) - len(failures)}/{len(problems)} lần điều hướng đúng; "
                        f"lần lỗi: {failures[0]}.", **facts)
    return chua_dat(_sentence_fail(unit, failures[0]), **facts)
