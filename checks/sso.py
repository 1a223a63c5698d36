"""sso — single sign-on: once signed in at the national identity provider, the citizen meets
no second login, no local account registration, no password change before the form."""
from __future__ import annotations

from checks.context import CheckContext
from checks.registry import check
from checks.common import what_is_demanded
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc


@check("sso")
def sso(ev: Evidence, ctx: CheckContext) -> Verdict:
    if ev.before_form:
        demanded = sorted({what_is_demanded(p) for p in ev.before_form})
        return chua_dat(f"Vẫn yêu cầu {', '.join(demanded)} trên HTTT giải quyết TTHC của {ctx.unit_name} trong khi "
                        "đã đăng nhập ở Cổng DVCQG (không thực hiện SSO).",
                        pages=[p.url for p in ev.before_form],
                        screenshot=ev.before_form[0].screenshot)
    if ev.form_reached:
        return dat("Đã có cơ chế đăng nhập 1 lần (SSO): không yêu cầu đăng nhập lại khi điều hướng từ Cổng DVCQG.",
                   form_url=ev.form.url)
    return khong_kiem_tra_duoc(ev.stopped or "không đến được biểu mẫu của thủ tục",
                               landing=ev.landing.url if ev.landing else None)
