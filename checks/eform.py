"""eform — an interactive electronic form: fields to fill on screen, not "download the form,
fill it, upload it"."""
from __future__ import annotations

import re

from checks.common import not_reached
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat

#: What a portal shows when the citizen is to download a form, fill it and upload it.
DOWNLOAD_FORM = re.compile(r"tải (về )?(mẫu|biểu mẫu|tờ khai|đơn)|mẫu tờ khai|mẫu đơn|tờ khai đã (điền|khai)", re.I)
ON_SCREEN = ("text", "tel", "email", "number", "date", "select-one", "select-multiple", "textarea", "radio",
             "checkbox", "select")


@check("eform")
def eform(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    # The citizen's own declarations: fields beyond the identity and contact data the portal
    # prefills or any form has.
    common = {ctx.scenario.fields[f].label for f in ctx.scenario.fields
              if ctx.scenario.fields[f].expect or ctx.scenario.fields[f].kind in ("phone", "email", "identity")}
    pages = [(r.name, r.page) for r in ev.steps if r.page is not None]
    on_screen, downloads = [], []
    for name, page in pages:
        for field in page.inputs:
            if field.get("type") in ON_SCREEN and not field.get("readonly") and field.get("label") not in common \
                    and not re.search(r"đối tượng", field.get("label") or "", re.I):
                on_screen.append(f"{name}: {field.get('label')}")
            if field.get("type") == "file" and DOWNLOAD_FORM.search(field.get("label") or ""):
                downloads.append(f"{name}: {field.get('label')}")
        match = DOWNLOAD_FORM.search(page.text)
        if match:
            downloads.append(f"{name}: “{match.group(0)}”")
    facts = {"fields_on_screen": on_screen, "download_fill_upload": downloads,
             "steps_seen": [name for name, _ in pages], "screenshot": ev.form.screenshot}
    unit = ctx.unit_name
    if on_screen:
        return dat(f"{unit} đã cung cấp biểu mẫu điện tử tương tác cho công dân khai trực tiếp trên màn hình.", **facts)
    if downloads:
        return chua_dat(f"{unit} chưa cung cấp biểu mẫu điện tử tương tác: công dân phải tải mẫu tờ khai về, "
                        "điền rồi tải lên.", **facts)
    if ev.stopped:
        from engine.verdict import khong_kiem_tra_duoc
        return khong_kiem_tra_duoc(f"hành trình dừng trước khi thấy phần khai nội dung của thủ tục ({ev.stopped})",
                                   **facts)
    return chua_dat(f"{unit} chưa có biểu mẫu điện tử cho công dân khai các nội dung của thủ tục.", **facts)
