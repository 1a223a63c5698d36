"""redirect — "điều hướng chính xác": from the national service page, the "Nộp trực tuyến"
button lands on the unit's own system, on this procedure (its form, or the unit's answer
about this procedure), not on its home page, another host, or an error."""
from __future__ import annotations

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc

#: Paths at which a portal shows its home page rather than a service.
HOME_PATHS = {"", "/", "/index", "/index.html", "/home", "/trang-chu", "/portal", "/portal/"}


def _sentence_fail(unit: str, why: str) -> str:
    return (f"Chưa thực hiện điều hướng chính xác dịch vụ công trực tuyến do {unit} cung cấp trên Cổng DVCQG "
            f"về HTTT giải quyết TTHC của {unit} ({why}).")


@check("redirect")
def redirect(ev: Evidence, ctx: CheckContext) -> Verdict:
    if ev.national_error:
        return khong_kiem_tra_duoc(f"không thực hiện được bước trên Cổng DVCQG ({ev.national_error})",
                                   start=ev.handoff_start)
    if ev.challenge:
        return khong_kiem_tra_duoc(ev.stopped, landing_url=ev.landing.url if ev.landing else None)
    landing = ev.landing
    facts = {"chain": ev.handoff_chain, "parameters": ev.handoff_params, "elapsed_s": ev.handoff_elapsed_s,
             "landing_url": landing.url if landing else None,
             "screenshot": landing.screenshot if landing else None}
    unit = ctx.unit_name
    if ev.handoff_error:  # timed out, reset, looped: the citizen was not taken anywhere
        return chua_dat(_sentence_fail(unit, f"lỗi khi điều hướng: {ev.handoff_error}"), **facts)
    if landing is None:
        return khong_kiem_tra_duoc("không ghi nhận được trang đích sau khi điều hướng", **facts)
    if ctx.unit_host and landing.host != ctx.unit_host:
        return chua_dat(_sentence_fail(unit, f"điều hướng tới {landing.host}, không phải hệ thống của đơn vị"), **facts)
    if landing.status and landing.status >= 400:
        return chua_dat(_sentence_fail(unit, f"trang đích báo lỗi HTTP {landing.status}"), **facts)
    if landing.path.rstrip("/") in {p.rstrip("/") for p in HOME_PATHS}:
        return chua_dat(_sentence_fail(unit, "điều hướng về trang chủ thay vì dịch vụ công trực tuyến"), **facts)
    return dat(f"Đã thực hiện điều hướng chính xác dịch vụ công trực tuyến do {unit} cung cấp trên Cổng DVCQG "
               f"về HTTT giải quyết TTHC của {unit}.", **facts)
