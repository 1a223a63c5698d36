"""required_fields — missing mandatory data or files are warned about: leaving a required
field or file empty blocks the step with a message."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, mot_phan

WHAT = {"field": "trường thông tin bắt buộc", "file": "tệp thành phần hồ sơ bắt buộc"}


@check("required_fields", probes=("required_fields",))
def required_fields(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "required_fields")
    if unjudged:
        return unjudged
    tried = {k: v for k, v in data.items() if k in WHAT and "error" not in v and "skipped" not in v}
    if not tried:
        errors = "; ".join(v.get("error", "") for v in data.values() if isinstance(v, dict))
        from engine.verdict import khong_kiem_tra_duoc
        return khong_kiem_tra_duoc(errors or "không thử được trường hay tệp bắt buộc nào", probe=data)
    blocked = [k for k, v in tried.items() if v["blocked"]]
    passed = [k for k, v in tried.items() if not v["blocked"]]
    facts = {k: v for k, v in data.items() if k in WHAT}
    unit = ctx.unit_name

    def named(kinds):
        return ", ".join(f"{WHAT[k]} “{tried[k]['label']}”" for k in kinds)
    if not passed:
        return dat(f"{unit} đã có cơ chế cảnh báo khi công dân điền thiếu thông tin, nộp thiếu tệp thành phần hồ sơ "
                   f"bắt buộc (để trống {named(blocked)}: không cho tiếp tục, có thông báo).", **facts)
    if blocked:
        return mot_phan(f"{unit} mới cảnh báo một phần khi công dân điền thiếu thông tin bắt buộc: để trống "
                        f"{named(passed)} vẫn được tiếp tục thực hiện dịch vụ công.", **facts)
    return chua_dat(f"{unit} chưa có cơ chế hỗ trợ trong trường hợp công dân điền thiếu thông tin, nộp thiếu file "
                    f"thành phần hồ sơ: để trống {named(passed)} vẫn được tiếp tục thực hiện dịch vụ công.", **facts)
