"""service_exists — the service the national portal hands over to exists on the unit's
system: no "Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online"."""
from __future__ import annotations

from checks.context import CheckContext
from checks.registry import check
from engine.journey import NOT_FOUND_PHRASES, Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc


@check("service_exists")
def service_exists(ev: Evidence, ctx: CheckContext) -> Verdict:
    pages = [p for p in [ev.landing, *ev.before_form, ev.form] if p is not None]
    for page in pages:
        phrase = page.mentions(*NOT_FOUND_PHRASES)
        if phrase:
            return chua_dat("Dịch vụ công trực tuyến được điều hướng từ Cổng DVCQG không tồn tại trên HTTT "
                            f"giải quyết TTHC của {ctx.unit_name} (hệ thống báo “{_quote(page.text, phrase)}”).",
                            url=page.url, screenshot=page.screenshot)
    if ev.form_reached:
        return dat(f"Dịch vụ công trực tuyến mã {ev.code} có trên HTTT giải quyết TTHC của {ctx.unit_name}.",
                   url=ev.form.url)
    return khong_kiem_tra_duoc(ev.stopped or ev.handoff_error or "không đến được dịch vụ",
                               url=ev.landing.url if ev.landing else None)


def _quote(text: str, phrase: str, limit: int = 100) -> str:
    """The message of the page that carries the phrase, as the citizen read it: from the
    phrase to the end of its sentence, at most ``limit`` characters (pages run their
    messages into menus and footers without punctuation)."""
    start = text.lower().find(phrase.lower())
    end = len(text)
    for stop in (".", "!", "\n"):
        found = text.find(stop, start)
        if found != -1:
            end = min(end, found)
    quote = text[start:min(end, start + limit)].strip()
    # Cut at a word boundary when the limit fell inside a word.
    return quote if end <= start + limit else quote.rsplit(" ", 1)[0] + "…"
