"""guidance — the citizen is guided by applicant type: a choice of applicant type exists and
changing it changes the documents asked for."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, mot_phan


@check("guidance", probes=("guidance",))
def guidance(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "guidance")
    if unjudged:
        return unjudged
    unit = ctx.unit_name
    documents = data.get("documents") or {}
    facts = {"choice": data.get("choice"), "options": data.get("options"), "documents": documents,
             "documents_step": data.get("documents_step")}
    if not data.get("choice"):
        return chua_dat(f"Thiết kế dịch vụ công trực tuyến của {unit} chưa có tính dẫn dắt, gợi ý cho công dân để thực "
                        "hiện thuận tiện; chưa phân chia đối tượng với thành phần hồ sơ nộp tương ứng, người dân thực "
                        "hiện không biết mình thuộc đối tượng nào của thủ tục và phải nộp những giấy tờ gì.", **facts)
    distinct = {tuple(sorted(v)) for v in documents.values()}
    if len(documents) > 1 and len(distinct) > 1:
        return dat(f"{unit} đã có tính dẫn dắt, gợi ý cho công dân: chọn đối tượng (“{data['choice']}”) thì thành phần "
                   "hồ sơ nộp thay đổi tương ứng.", **facts)
    return mot_phan(f"Việc gợi ý khi cung cấp dịch vụ công trực tuyến của {unit} đã có nhưng chưa đầy đủ: có chọn đối "
                    f"tượng (“{data['choice']}”) nhưng thành phần hồ sơ không thay đổi theo đối tượng, chưa phân chia "
                    "đối tượng với thành phần hồ sơ nộp tương ứng.", **facts)
