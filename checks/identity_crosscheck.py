"""identity_crosscheck — personal data changed by the citizen are checked against the
population database: a prefilled ID number or name changed to another plausible value is
read-only or refused."""
from __future__ import annotations

from checks.common import not_reached, probe_data, quoted
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat


@check("identity_crosscheck", probes=("identity_crosscheck",))
def identity_crosscheck(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "identity_crosscheck")
    if unjudged:
        return unjudged
    labels = data.get("fields", {})
    changed = [labels.get(f, f) for f in data.get("changed", {})]
    facts = {"fields": labels, "readonly": data.get("readonly"), "typed": data.get("changed"),
             "advanced": data.get("advanced"), "messages": data.get("messages"),
             "browser_messages": data.get("browser_messages")}
    unit = ctx.unit_name
    if not changed:
        return dat(f"{unit} không cho sửa thông tin cá nhân lấy từ CSDLQG về dân cư ({quoted(list(labels.values()))} "
                   "chỉ đọc).", **facts)
    if data.get("advanced"):
        return chua_dat(f"{unit} chưa kiểm tra chéo với CSDLQG về dân cư khi người dùng tự ý thay đổi thông tin cá nhân "
                        f"(sửa {quoted(changed)} thành dữ liệu khác, hệ thống chấp nhận).", **facts)
    shown = "; ".join(data.get("messages") or []) or "không cho chuyển bước"
    return dat(f"{unit} đã kiểm tra chéo với CSDLQG về dân cư khi người dùng thay đổi thông tin cá nhân "
               f"(sửa {quoted(changed)}: {shown}).", **facts)
