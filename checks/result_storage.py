"""result_storage — the electronic result, digitally signed, lands in the citizen's personal
data store on the national portal once the agency has processed the dossier."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc, mot_phan


@check("result_storage", probes=("after_submission",))
def result_storage(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "after_submission")
    if unjudged:
        return unjudged
    if not data.get("processed"):
        return khong_kiem_tra_duoc(data.get("note") or "không thực hiện được bước xử lý hồ sơ của cơ quan",
                                   code=data.get("code"))
    store = data.get("store") or {}
    facts = {"code": data.get("code"), "store": store, "screenshot": store.get("screenshot")}
    unit = ctx.unit_name
    if not store.get("entry_found"):
        return chua_dat(f"Kết quả điện tử của {unit} không được lưu vào kho dữ liệu cá nhân của công dân trên Cổng DVCQG "
                        f"(hồ sơ {data.get('code')}).", **facts)
    if not store.get("signed"):
        return mot_phan(f"{unit} có lưu kết quả TTHC vào kho dữ liệu cá nhân cho công dân nhưng chưa có chữ ký số.",
                        **facts)
    return dat(f"Kết quả điện tử có ký số của {unit} đã được lưu vào kho dữ liệu cá nhân của công dân trên Cổng DVCQG.",
               **facts)
