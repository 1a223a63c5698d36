"""mobile_layout — not broken on a phone: on at least two phone devices, no horizontal
overflow, a viewport meta, no control wider than the screen."""
from __future__ import annotations

from checks.common import not_reached, probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc


def _problems(layout: dict) -> list[str]:
    found = []
    if layout.get("overflow"):
        found.append(f"trang rộng {layout.get('scroll_width')}px, tràn ngang màn hình {layout.get('screen_width')}px")
    if not layout.get("viewport_meta"):
        found.append("không khai báo viewport cho điện thoại")
    if layout.get("wide_count"):
        labels = [w["label"] or w["element"] for w in layout.get("wide", [])[:3]]
        found.append(f"{layout['wide_count']} thành phần rộng hơn màn hình (ví dụ: {', '.join(labels)})")
    return found


@check("mobile_layout", probes=("mobile_layout",))
def mobile_layout(ev: Evidence, ctx: CheckContext) -> Verdict:
    if (unjudged := not_reached(ev)) is not None:
        return unjudged
    data, unjudged = probe_data(ev, "mobile_layout")
    if unjudged:
        return unjudged
    devices = {name: d for name, d in (data.get("devices") or {}).items() if "error" not in d}
    if not devices:
        return khong_kiem_tra_duoc("không mô phỏng được thiết bị di động nào", probe=data)
    problems = {name: _problems(layout) for name, layout in devices.items()}
    broken = {name: p for name, p in problems.items() if p}
    first = next(iter(devices.values()))
    facts = {"devices": devices, "problems": problems,
             "screenshot": next((d.get("screenshot") for n, d in devices.items() if n in broken), first.get("screenshot"))}
    unit = ctx.unit_name
    if broken:
        detail = "; ".join(f"{name}: {', '.join(p)}" for name, p in broken.items())
        return chua_dat(f"Màn hình giao diện của {unit} bị vỡ cấu trúc khi sử dụng trên điện thoại di động ({detail}).",
                        **facts)
    return dat(f"Giao diện màn hình của {unit} tương thích khi sử dụng trên điện thoại ({', '.join(devices)}).", **facts)
