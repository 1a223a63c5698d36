"""draft_persistence — entered data are kept: after a reload before "next", and after going
to the next step and back."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, mot_phan


@check("draft_persistence", probes=("draft_persistence",))
def draft_persistence(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "draft_persistence")
    if unjudged:
        return unjudged
    reload_kept, back_kept = bool(data.get("kept_on_reload")), bool(data.get("kept_on_back"))
    facts = {k: data.get(k) for k in ("step", "field", "typed", "after_reload", "after_back", "back_by", "url")}
    unit = ctx.unit_name
    where = f"(đã nhập “{data.get('field')}” ở bước “{data.get('step')}”)"
    if reload_kept and back_kept:
        return dat(f"{unit} đã có cơ chế ghi nhớ dữ liệu tạm thời khi tải lại trang web hoặc quay lại bước trước "
                   f"{where}.", **facts)
    if back_kept:
        return mot_phan(f"{unit} chưa có cơ chế ghi nhớ dữ liệu tạm thời trong trường hợp xảy ra sự cố phải tải lại "
                        f"trang web (dữ liệu chỉ được giữ khi quay lại bước trước) {where}.", **facts)
    if reload_kept:
        return mot_phan(f"{unit} chưa có cơ chế ghi nhớ dữ liệu tạm thời giữa các bước nhập thông tin của công dân "
                        f"(khi quay lại bước trước phải nhập lại; tải lại trang thì dữ liệu được giữ) {where}.", **facts)
    return chua_dat(f"{unit} chưa có cơ chế ghi nhớ dữ liệu tạm thời giữa các bước nhập thông tin của công dân. Khi "
                    f"quay lại bước trước hoặc xảy ra sự cố phải tải lại trang web thì phải thực hiện lại từ đầu "
                    f"{where}.", **facts)
