"""no_redundant_documents — no copy of the ID card demanded when the data come from the
population database: the documents step still asking for CCCD/căn cước fails."""
from __future__ import annotations

import re

from checks.common import not_reached
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc

ID_CARD = re.compile(r"căn cước|\bCCCD\b|chứng minh nhân dân|\bCMND\b|thẻ căn cước|định danh cá nhân \(bản", re.I)


@check("no_redundant_documents")
def no_redundant_documents(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    doc_steps = [i for i, s in enumerate(ctx.scenario.steps)
                 if any(ctx.scenario.fields[f].kind == "file" for f in (*s.fields, *s.fill))]
    seen = [r for r in ev.steps if r.page is not None and any(ctx.scenario.steps[i].name == r.name for i in doc_steps)]
    if not seen:
        return khong_kiem_tra_duoc(f"hành trình chưa đến bước thành phần hồ sơ ({ev.stopped or 'không rõ lý do'})")
    record = seen[0]
    documents = [i["label"] for i in record.page.inputs if i.get("type") == "file"]
    asked = [d for d in documents if ID_CARD.search(d)]
    prefilled = [k for k, v in ev.form_values.items() if v]
    facts = {"step": record.name, "url": record.url, "documents": documents, "id_card_documents": asked,
             "prefilled_fields": prefilled}
    unit = ctx.unit_name
    if asked:
        tail = " trong khi đã tái sử dụng dữ liệu từ CSDLQG về dân cư" if prefilled else ""
        return chua_dat(f"{unit} vẫn yêu cầu công dân cung cấp CCCD trong thành phần hồ sơ nộp{tail} "
                        f"({', '.join(asked)}).", **facts)
    return dat(f"{unit} không yêu cầu công dân nộp CCCD trong thành phần hồ sơ khi đã khai thác dữ liệu "
               "từ CSDLQG về dân cư.", **facts)
