"""Small helpers shared by the checks: reading a probe's data, naming steps, numbers in Vietnamese."""
from __future__ import annotations

from typing import Any

from engine.journey import Evidence
from engine.verdict import Verdict, khong_kiem_tra_duoc


def not_reached(ev: Evidence) -> Verdict | None:
    """khong_kiem_tra_duoc when the walk never reached the form, else None."""
    if not ev.form_reached:
        return khong_kiem_tra_duoc(ev.stopped or "không đến được biểu mẫu của thủ tục")
    return None


def probe_data(ev: Evidence, name: str) -> tuple[dict[str, Any], Verdict | None]:
    """The probe's data, or a khong_kiem_tra_duoc verdict saying why there is none."""
    data = ev.probes.get(name)
    if data is None:
        return {}, khong_kiem_tra_duoc(f"thao tác kiểm tra '{name}' chưa được thực hiện")
    if "error" in data:
        return data, khong_kiem_tra_duoc(str(data["error"]), probe=data)
    return data, None


def seconds(value: float) -> str:
    """3.25 -> '3,3 giây' (decimal comma, as Vietnamese writes it)."""
    return f"{value:.1f}".replace(".", ",") + " giây"


def quoted(items: list[str]) -> str:
    return ", ".join(f"“{i}”" for i in items)


def what_is_demanded(page) -> str:
    """What a page between the hand-off and the form asks of a citizen already signed in."""
    from engine.journey import LOGIN_PHRASES, PASSWORD_CHANGE_PHRASES, REGISTRATION_PHRASES
    text = " ".join(page.headings + [page.title, page.text[:400]]).lower()
    if any(p in text for p in PASSWORD_CHANGE_PHRASES):
        return "đổi mật khẩu"
    if any(p in text for p in REGISTRATION_PHRASES):
        return "đăng ký tài khoản riêng"
    if page.password_fields or any(p in text for p in LOGIN_PHRASES):
        return "đăng nhập lại"
    return "thao tác xác thực"
