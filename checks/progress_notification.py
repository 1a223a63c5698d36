"""progress_notification — the citizen is told how the dossier progresses: after a (test
system's) submission is processed by the agency, the citizen's dossier page shows the new
status."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc, mot_phan


@check("progress_notification", probes=("after_submission",))
def progress_notification(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "after_submission")
    if unjudged:
        return unjudged
    before, after = data.get("before") or {}, data.get("after") or {}
    facts = {"code": data.get("code"), "before": before, "after": after, "processed": data.get("processed"),
             "screenshot": after.get("screenshot")}
    unit = ctx.unit_name
    if not before.get("found") and not after.get("found"):
        return chua_dat(f"{unit} chưa có chức năng thông báo tiến độ xử lý hồ sơ cho công dân (không xem được tình "
                        f"trạng hồ sơ {data.get('code')} tại {before.get('url')}, HTTP {before.get('status')}).", **facts)
    if not data.get("processed"):
        return khong_kiem_tra_duoc(data.get("note") or "không thực hiện được bước xử lý hồ sơ của cơ quan", **facts)
    if after.get("found") and after.get("text") != before.get("text"):
        return dat(f"{unit} đã có chức năng thông báo tiến độ xử lý hồ sơ cho công dân (tình trạng hồ sơ được cập nhật "
                   "sau khi cơ quan xử lý).", **facts)
    return mot_phan(f"Chức năng thông báo tiến trình xử lý hồ sơ của {unit} chưa ổn định (tình trạng hồ sơ không thay "
                    "đổi sau khi cơ quan xử lý).", **facts)
