"""privacy — no dossier data without login: an anonymous browser opening the unit's dossier
lookup with a dossier code sees none of the citizen's name, ID number, phone or address."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat

NAMES = {"HoVaTen": "họ tên", "SoDinhDanh": "số định danh cá nhân", "SoDienThoai": "số điện thoại",
         "ThuongTru": "địa chỉ"}


@check("privacy", probes=("privacy",))
def privacy(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "privacy")
    if unjudged:
        return unjudged
    shown = data.get("shown") or []
    facts = {k: data.get(k) for k in ("lookup_page", "result_url", "code", "shown", "asks_login", "text", "screenshot")}
    unit = ctx.unit_name
    if shown:
        return chua_dat(f"Tính bảo mật thông tin cá nhân của {unit} chưa cao, chỉ cần duy nhất mã hồ sơ là có được thông "
                        f"tin chủ hồ sơ ({', '.join(NAMES[k] for k in shown)}) mà không cần đăng nhập.", **facts)
    return dat(f"{unit} không hiển thị thông tin chủ hồ sơ khi tra cứu bằng mã hồ sơ mà chưa đăng nhập.", **facts)
