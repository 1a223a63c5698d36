"""input_validation — the phone's length and the email's validity are checked: invalid phones
(too short, too long, letters, a bad prefix) and emails (no @, no domain, spaces) are refused
on screen or block the step; valid ones are accepted."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, mot_phan

KIND_NAMES = {"phone": "SĐT", "email": "email"}


def _describe(items: list[dict], kind: str) -> str:
    return ", ".join(f"{KIND_NAMES[kind]} “{i['value']}” ({i['why']})" for i in items)


@check("input_validation", probes=("input_validation",))
def input_validation(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "input_validation")
    if unjudged:
        return unjudged
    slipped: dict[str, list[dict]] = {}
    refused_valid: dict[str, list[dict]] = {}
    rejected_any = False
    for kind in ("phone", "email"):
        tried = (data.get(kind) or {}).get("tried", [])
        slipped[kind] = [t for t in tried if not t["valid_input"] and not t["rejected"]]
        refused_valid[kind] = [t for t in tried if t["valid_input"] and t["rejected"]]
        rejected_any = rejected_any or any(not t["valid_input"] and t["rejected"] for t in tried)
    facts = {"tried": {k: (data.get(k) or {}).get("tried", []) for k in ("phone", "email")},
             "slipped_through": {k: [t["value"] for t in v] for k, v in slipped.items()},
             "valid_refused": {k: [t["value"] for t in v] for k, v in refused_valid.items()}}
    unit = ctx.unit_name
    all_slipped = slipped["phone"] + slipped["email"]
    if not all_slipped and not any(refused_valid.values()):
        return dat(f"{unit} đã có cơ chế kiểm tra tính hợp lệ của một số loại dữ liệu do người dân tự nhập "
                   "(SĐT, email).", **facts)
    if all_slipped and not rejected_any:
        return chua_dat(f"{unit} chưa có cơ chế kiểm tra tính hợp lệ của một số loại dữ liệu do người dân tự nhập "
                        f"(SĐT, email): chưa kiểm tra độ dài SĐT và tính hợp lệ của email (hệ thống chấp nhận "
                        f"{_describe(slipped['phone'], 'phone')}{'; ' if slipped['phone'] and slipped['email'] else ''}"
                        f"{_describe(slipped['email'], 'email')}).", **facts)
    parts = []
    if slipped["phone"]:
        length_checked = not any("ngắn" in t["why"] or "dài" in t["why"] for t in slipped["phone"])
        parts.append(("đã kiểm tra độ dài SĐT nhưng " if length_checked else "")
                     + f"chưa kiểm tra tính hợp lệ của cấu trúc SĐT ({_describe(slipped['phone'], 'phone')})")
    if slipped["email"]:
        parts.append(f"chưa kiểm tra tính hợp lệ của email ({_describe(slipped['email'], 'email')})")
    for kind in ("phone", "email"):
        if refused_valid[kind]:
            parts.append(f"từ chối cả {KIND_NAMES[kind]} hợp lệ "
                         + ", ".join(f"“{t['value']}”" for t in refused_valid[kind]))
    return mot_phan(f"{unit} đã có cơ chế kiểm tra một phần dữ liệu do người dân tự nhập (SĐT, email): "
                    + "; ".join(parts) + ".", **facts)
