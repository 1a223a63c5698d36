"""autofill — data reused from the population database: the form's identity fields show the
signed-in citizen's name, date of birth, ID number, gender and address without typing."""
from __future__ import annotations

import unicodedata

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence, expected_value
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc, mot_phan


def normalise(value: str | None) -> str:
    """Compare as a person reads: case, spacing and Unicode composition do not matter."""
    return " ".join(unicodedata.normalize("NFC", value or "").casefold().split())


@check("autofill")
def autofill(ev: Evidence, ctx: CheckContext) -> Verdict:
    if not ev.form_reached:
        return khong_kiem_tra_duoc(ev.stopped or "không đến được biểu mẫu của thủ tục")
    expected = {fid: spec for fid, spec in ctx.scenario.fields.items()
                if spec.expect and fid in ev.form_values}
    if not expected:
        return khong_kiem_tra_duoc("kịch bản không khai báo trường nào cần tự động điền ('expect') ở bước đầu")
    matched, missing = [], []
    for fid, spec in expected.items():
        want = expected_value(spec, ctx.citizen.get(spec.expect, ""))
        (matched if normalise(ev.form_values.get(fid)) == normalise(want) else missing).append(spec.label or fid)
    facts = {"fields": ev.form_values, "matched": matched, "not_prefilled": missing,
             "screenshot": ev.form.screenshot}
    unit = ctx.unit_name
    if not missing:
        return dat(f"{unit} đã tái sử dụng dữ liệu, tự động điền dữ liệu lấy từ CSDLQG về dân cư.", **facts)
    if matched:
        return mot_phan(f"{unit} đã tự động điền một phần dữ liệu từ CSDLQG về dân cư; chưa điền: "
                        f"{', '.join(missing)}.", **facts)
    return chua_dat(f"{unit} chưa thực hiện tái sử dụng dữ liệu từ CSDLQG về dân cư để tự động điền thông tin "
                    "cho công dân.", **facts)
