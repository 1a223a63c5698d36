"""stability — no errors while carrying out and submitting: server errors (HTTP >= 500),
"thực hiện thất bại", connection errors along the walk and at "Nộp hồ sơ"; on a test system,
the success rate of repeated submissions (thresholds.repeats)."""
from __future__ import annotations

from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc

FAILURE_PHRASES = ("thực hiện thất bại", "đã có lỗi xảy ra", "lỗi hệ thống", "lỗi kết nối")


def _walk_attempt(ev: Evidence) -> dict | None:
    """The main walk as one attempt: None when it never came to submitting for other reasons."""
    failure_pages = [p.url for p in ([ev.landing, ev.form] + [r.page for r in ev.steps])
                     if p is not None and p.mentions(*FAILURE_PHRASES)]
    submission = ev.submission
    page = submission.get("page") or {}
    text = (page.get("text") or "").lower()
    problems = []
    if ev.http_errors:
        problems.append(f"lỗi máy chủ HTTP {ev.http_errors[0]['status']} ({ev.http_errors[0]['url']})")
    if ev.failed_requests:
        problems.append(f"lỗi kết nối ({ev.failed_requests[0]['error']})")
    if failure_pages:
        problems.append(f"thông báo lỗi tại {failure_pages[0]}")
    if submission.get("attempted"):
        phrase = next((p for p in FAILURE_PHRASES if p in text), None)
        ok = bool(submission.get("succeeded") or submission.get("intercepted")) and not problems
        if phrase:
            problems.append(f"“{phrase.capitalize()}” tại bước “Nộp hồ sơ”")
        elif not ok and not problems:
            problems.append(f"nộp hồ sơ không thành công (HTTP {submission.get('status')})")
        return {"ok": ok and not phrase, "where": "hành trình chính", "problems": problems}
    if problems:
        return {"ok": False, "where": "hành trình chính", "problems": problems}
    return None


@check("stability", probes=("repeats",))
def stability(ev: Evidence, ctx: CheckContext) -> Verdict:
    walk = _walk_attempt(ev)
    repeated = (ev.probes.get("repeats") or {}).get("attempts") or []
    if walk is None:
        return khong_kiem_tra_duoc(ev.stopped or "hành trình chưa đến bước nộp hồ sơ",
                                   http_errors=ev.http_errors, failed_requests=ev.failed_requests)
    attempts = [walk] + repeated
    ok = sum(1 for a in attempts if a["ok"])
    facts = {"attempts": attempts, "success_rate": f"{ok}/{len(attempts)}", "http_errors": ev.http_errors,
             "failed_requests": ev.failed_requests}
    unit = ctx.unit_name
    if ok == len(attempts):
        times = f" ({ok}/{len(attempts)} lần nộp thành công)" if len(attempts) > 1 else ""
        return dat(f"Hệ thống của {unit} hoạt động ổn định, không phát sinh lỗi khi thực hiện và nộp hồ sơ{times}.",
                   **facts)
    first = next((a for a in attempts if not a["ok"]), {})
    what = "; ".join(first.get("problems") or []) or (first.get("failure_text") or first.get("error_text")
                                                      or "nộp hồ sơ không thành công")
    if ok == 0:
        return chua_dat(f"Hệ thống của {unit} phát sinh lỗi khi thực hiện dịch vụ công trực tuyến, không nộp được hồ sơ "
                        f"({what}; {ok}/{len(attempts)} lần thành công).", **facts)
    # The letter judges a system that fails only now and then as not conforming: "Hệ thống không
    # ổn định, thỉnh thoảng lỗi kết nối tại bước Nộp hồ sơ" is a finding, not a half-pass.
    return chua_dat(f"Hệ thống của {unit} không ổn định, thỉnh thoảng lỗi tại bước “Nộp hồ sơ” "
                    f"({ok}/{len(attempts)} lần nộp thành công; {what}).", **facts)
