"""esign — digital signing of dossier components, working: the signing control exists and
starts a signing flow (providers listed), rather than an error or nothing."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, mot_phan


@check("esign", probes=("esign",))
def esign(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "esign")
    if unjudged:
        return unjudged
    facts = {k: data.get(k) for k in ("step", "button", "dialog", "providers", "signed", "failure_messages",
                                      "screenshot")}
    unit = ctx.unit_name
    if not data.get("present"):
        return chua_dat(f"{unit} chưa có chức năng ký số thành phần hồ sơ (không có nút “{data.get('button')}” "
                        f"ở bước “{data.get('step')}”).", **facts)
    if data.get("dialog") and data.get("providers"):
        return dat(f"{unit} đã có chức năng ký số thành phần hồ sơ nộp (nhà cung cấp: "
                   f"{', '.join(data['providers'][:4])}).", **facts)
    why = "; ".join(data.get("failure_messages") or []) or "bấm ký số không mở được danh sách nhà cung cấp chữ ký số"
    return mot_phan(f"{unit} đã có chức năng ký số nhưng chưa hoạt động ({why}).", **facts)
