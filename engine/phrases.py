"""What portals say, as a citizen reads it: the phrases both tiers look for (the browser
journey and the HTTP catalog sweep), kept in one place so that they cannot drift apart.
No browser or HTTP library here."""
from __future__ import annotations

import re
from typing import Any

#: What a portal says when the procedure handed over does not exist there.
NOT_FOUND_PHRASES = (
    "Thủ tục hành chính không tồn tại",
    "chưa đăng ký tiếp nhận online",
    "không tìm thấy thủ tục",
    "dịch vụ không tồn tại",
)
#: Anti-bot interstitials (the real national portal answers every URL with 200 and one):
#: what is behind them was not seen, so nothing can be judged from them.
CHALLENGE_PHRASES = (
    "Đang kiểm tra trình duyệt",
    "xác minh bạn không phải là robot",
    "Checking your browser",
    "Just a moment",
    "Verify you are human",
)
#: Headings or texts of pages that stand between a signed-in citizen and the form.
LOGIN_PHRASES = ("đăng nhập", "tên đăng nhập", "mật khẩu")
REGISTRATION_PHRASES = ("đăng ký tài khoản", "nhập lại mật khẩu", "tạo tài khoản")
PASSWORD_CHANGE_PHRASES = ("đổi mật khẩu", "thay đổi mật khẩu")
#: Paths at which a portal shows its home page rather than a service.
HOME_PATHS = {"", "/", "/index", "/index.html", "/home", "/trang-chu", "/portal"}


def fill_template(text: str, values: dict[str, Any]) -> str:
    """Replace {name} and {a.b} with values; unknown names are left as they are."""
    def replace(match: re.Match[str]) -> str:
        current: Any = values
        for part in match.group(1).split("."):
            if isinstance(current, dict) and part in current:
                current = current[part]
            else:
                return match.group(0)
        return "" if current is None else str(current)
    return re.sub(r"\{([A-Za-z_][\w.]*)\}", replace, text)
