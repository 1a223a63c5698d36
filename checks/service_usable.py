"""service_usable — the service could be carried out at all: the walk reached the form and
the (guarded) submission went through or was intercepted."""
from __future__ import annotations

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from checks.common import what_is_demanded
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc, mot_phan


@check("service_usable")
def service_usable(ev: Evidence, ctx: CheckContext) -> Verdict:
    unit = ctx.unit_name
    if ev.national_error:
        return khong_kiem_tra_duoc(f"không thực hiện được bước trên Cổng DVCQG ({ev.national_error})")
    submission = ev.submission
    facts = {"stopped": ev.stopped, "steps": [{"step": s.name, "advanced": s.advanced, "error": s.error}
                                              for s in ev.steps],
             "submission": {k: submission.get(k) for k in ("attempted", "dry_run", "intercepted", "succeeded", "status")},
             "direct_entry_used": ev.direct_entry_used, "probe_times_s": ev.probe_times}
    # Usable only once the citizen has made a local account or changed a password the unit
    # imposes: "không thực hiện đổi mật khẩu thì không được thực hiện dịch vụ công trực tuyến".
    conditions = sorted({d for d in (what_is_demanded(p) for p in ev.before_form)
                         if d in ("đổi mật khẩu", "đăng ký tài khoản riêng")})
    if conditions and (submission.get("succeeded") or submission.get("intercepted")):
        return mot_phan(f"Chỉ thực hiện được dịch vụ công trực tuyến của {unit} sau khi {' và '.join(conditions)} "
                        "trên hệ thống của đơn vị; không thực hiện thì không được thực hiện dịch vụ công trực tuyến.",
                        demanded=conditions, **facts)
    if submission.get("succeeded"):
        return dat(f"Thực hiện được dịch vụ công trực tuyến của {unit} đến bước nộp hồ sơ (nộp hồ sơ thành công).",
                   **facts)
    if submission.get("intercepted"):
        return dat(f"Thực hiện được dịch vụ công trực tuyến của {unit} đến bước nộp hồ sơ (chạy thử: yêu cầu nộp hồ sơ "
                   "đã được chặn lại, không gửi đi).", **facts)
    if submission.get("attempted"):
        page = submission.get("page") or {}
        return chua_dat(f"Không thực hiện được dịch vụ công trực tuyến của {unit} tại thời điểm kiểm tra (nộp hồ sơ "
                        f"không thành công: HTTP {submission.get('status')}, “{(page.get('title') or '').strip()}”).",
                        **facts)
    where = ev.stopped or "hành trình dừng trước bước nộp hồ sơ"
    return chua_dat(f"Không thực hiện được dịch vụ công trực tuyến của {unit} ({where}).", **facts)
