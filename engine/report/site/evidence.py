"""Evidence as a reader wants to see it: screenshots side by side (computer, phone), the
timing of each screen transition as a small bar chart against the 15-second threshold, the
invalid inputs a form let through, the addresses the journey went through; then everything
else the check recorded, as nested lists.

Evidence is free-form per check; this module looks for the shapes the checks write
(``screenshot`` keys, mobile_layout's ``devices``, response_time's ``transitions``, journey
``steps`` with ``elapsed_s``, input_validation's ``tried``) rather than for one schema."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from engine.report.site.common import esc, number

EVIDENCE_LABELS = {
    "url": "Địa chỉ", "start_url": "Địa chỉ bắt đầu", "final_url": "Địa chỉ cuối cùng",
    "expected_url": "Địa chỉ mong đợi", "landing_url": "Trang đích", "chain": "Chuỗi điều hướng",
    "start": "Điểm bắt đầu", "host": "Máy chủ", "hosts": "Máy chủ",
    "screenshot": "Ảnh chụp màn hình", "screenshots": "Ảnh chụp màn hình",
    "message": "Thông báo", "messages": "Thông báo", "error": "Lỗi", "errors": "Lỗi",
    "values": "Giá trị", "fields": "Trường thông tin", "attempts": "Số lần thử",
    "successes": "Số lần thành công", "rate": "Tỷ lệ", "threshold_s": "Ngưỡng",
    "elapsed_s": "Thời gian", "max_s": "Lâu nhất", "median_s": "Trung vị", "timings": "Thời gian",
    "status": "Mã trạng thái", "text": "Nội dung", "title": "Tiêu đề", "viewport": "Khung hình",
    "parameters": "Tham số", "transitions": "Các lần chuyển màn hình", "transition": "Chuyển màn hình",
    "samples_s": "Các lần đo", "walks": "Số lượt thực hiện", "devices": "Thiết bị",
    "problems": "Vấn đề", "tried": "Đã thử", "slipped_through": "Lọt qua", "valid_refused": "Hợp lệ bị từ chối",
    "steps": "Các bước", "step": "Bước", "advanced": "Chuyển bước được", "stopped": "Dừng lại",
    "catalog": "Danh mục", "declared": "Đã công bố", "working": "Thực hiện được",
    "listed": "Tổng số TTHC trên Cổng DVCQG", "unstable": "Điều hướng không ổn định",
    "form_url": "Biểu mẫu", "login_page": "Trang đăng nhập", "lookup_page": "Trang tra cứu",
    "result_url": "Trang kết quả", "page": "Trang", "pages": "Các trang", "pages_before_form": "Trang trước biểu mẫu",
}
DEFAULT_THRESHOLD_S = 15.0
PHONE_HINTS = ("dien-thoai", "phone", "mobile", "iphone", "pixel", "galaxy")


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def screenshot_src(value: str, run_dir: Path) -> str | None:
    """The screenshot's path relative to the run folder, or None when it points elsewhere or
    the file is missing (a broken image helps no reader)."""
    path = Path(value)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(run_dir.resolve())
        except ValueError:
            return None
    if ".." in path.parts or ":" in value.split("/")[0]:
        return None
    if not (run_dir / path).is_file():
        return None
    return path.as_posix()


# ------------------------------------------------------------------ walking the evidence

def _walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, path + (str(key),))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item, path)
    else:
        yield path, value


def screenshots(evidence: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, "may-tinh" | "dien-thoai", caption) for every screenshot named in the evidence."""
    out: list[tuple[str, str, str]] = []
    seen = set()
    for path, value in _walk(evidence):
        if not isinstance(value, str) or not path or "screenshot" not in path[-1] or value in seen:
            continue
        seen.add(value)
        device = path[path.index("devices") + 1] if "devices" in path[:-1] else None
        phone = device is not None or any(h in value.lower() for h in PHONE_HINTS)
        caption = (f"Điện thoại ({device})" if device else "Điện thoại") if phone else "Máy tính"
        out.append((value, "dien-thoai" if phone else "may-tinh", caption))
    # Computer first, then phones: the reader compares them side by side.
    return sorted(out, key=lambda s: s[1] != "may-tinh")


def journey_urls(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, url) of every address in the evidence, in the order recorded, once each."""
    out, seen = [], set()
    for path, value in _walk(evidence):
        if is_url(value) and value not in seen:
            seen.add(value)
            key = next((p for p in reversed(path) if p in EVIDENCE_LABELS), path[-1] if path else "")
            out.append((EVIDENCE_LABELS.get(key, key.replace("_", " ")), value))
    return out


def timings(evidence: dict[str, Any]) -> tuple[list[tuple[str, float]], float]:
    """(label, seconds) of every timed screen transition, and the threshold."""
    threshold = evidence.get("threshold_s")
    threshold = float(threshold) if isinstance(threshold, (int, float)) else DEFAULT_THRESHOLD_S
    bars: list[tuple[str, float]] = []
    for item in evidence.get("transitions") or []:
        if isinstance(item, dict) and isinstance(item.get("median_s"), (int, float)):
            bars.append((str(item.get("transition") or f"lần {len(bars) + 1}"), float(item["median_s"])))
    if not bars:
        for item in evidence.get("steps") or []:
            if isinstance(item, dict) and isinstance(item.get("elapsed_s"), (int, float)):
                bars.append((str(item.get("name") or item.get("step") or f"bước {len(bars) + 1}"),
                             float(item["elapsed_s"])))
    return bars, threshold


def validation_inputs(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """The invalid inputs tried (input_validation's ``tried``), with what happened to each."""
    tried = evidence.get("tried")
    rows = []
    if isinstance(tried, dict):
        for kind, items in tried.items():
            for item in items or []:
                if isinstance(item, dict) and "value" in item:
                    rows.append({"kind": kind, **item})
    elif isinstance(evidence.get("slipped_through"), dict):
        for kind, values in evidence["slipped_through"].items():
            rows += [{"kind": kind, "value": v, "valid_input": False, "rejected": False, "why": ""} for v in values]
    return rows


# ------------------------------------------------------------------ rendering

def screenshots_html(shots: list[tuple[str, str, str]], run_dir: Path, root: str, context: str) -> str:
    figures = []
    for value, kind, caption in shots:
        src = screenshot_src(value, run_dir)
        if src is None:
            figures.append(f'<figure class="shot missing {kind}"><figcaption>{esc(caption)}: ảnh {esc(value)} '
                           "không có trong thư mục lượt chạy</figcaption></figure>")
            continue
        href = esc(root + src)
        figures.append(f'<figure class="shot {kind}"><a href="{href}"><img src="{href}" '
                       f'alt="Ảnh chụp màn hình trên {esc(caption.lower())}: {esc(context)}" loading="lazy"></a>'
                       f"<figcaption>{esc(caption)}</figcaption></figure>")
    return f'<div class="shots">{"".join(figures)}</div>' if figures else ""


def timing_chart(bars: list[tuple[str, float]], threshold: float) -> str:
    """Horizontal bars, one per transition, with the threshold as a dashed line; the numbers
    and names are also given as a list below (the chart's text is small on a phone)."""
    if not bars:
        return ""
    width, left, right, row, top = 600, 34, 70, 26, 22
    top_value = max(max(v for _, v in bars), threshold) * 1.1 or 1.0
    scale = (width - left - right) / top_value
    height = top + row * len(bars) + 6
    parts = []
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        over = value > threshold
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="n">{i + 1}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{max(value * scale, 1.5):.1f}" height="16" rx="2" '
                     f'class="{"bar over" if over else "bar"}"/>'
                     f'<text x="{left + value * scale + 6:.1f}" y="{y + 15}" class="v">{esc(number(round(value, 2)))} giây</text>')
    x = left + threshold * scale
    limit = number(threshold if threshold % 1 else int(threshold))
    parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="14" y2="{height}" class="limit"/>'
                 f'<text x="{x:.1f}" y="11" text-anchor="middle" class="limit-label">ngưỡng {esc(limit)} giây</text>')
    summary = "; ".join(f"{i + 1}. {label}: {number(round(v, 2))} giây" for i, (label, v) in enumerate(bars))
    svg = (f'<svg class="timing" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Thời gian chuyển màn hình, ngưỡng {esc(limit)} giây: {esc(summary)}">'
           + "".join(parts) + "</svg>")
    over_class = ' class="over"'
    items = "".join(f'<li{over_class if v > threshold else ""}>{esc(label)}: <strong>{esc(number(round(v, 2)))} giây</strong>'
                    + (" — vượt ngưỡng" if v > threshold else "") + "</li>" for label, v in bars)
    return f'<figure class="chart">{svg}<figcaption><ol>{items}</ol></figcaption></figure>'


KIND_NAMES = {"phone": "Số điện thoại", "email": "Thư điện tử"}


def validation_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    body = []
    for r in rows:
        valid = bool(r.get("valid_input"))
        rejected = bool(r.get("rejected"))
        if not valid and not rejected:
            verdict, css = "lọt qua (hệ thống chấp nhận)", "slipped"
        elif valid and rejected:
            verdict, css = "hợp lệ nhưng bị từ chối", "slipped"
        elif rejected:
            verdict, css = "bị từ chối (đúng)", ""
        else:
            verdict, css = "được chấp nhận (đúng)", ""
        body.append(f'<tr class="{css}"><td>{esc(KIND_NAMES.get(r["kind"], r["kind"]))}</td>'
                    f'<td><code>{esc(r.get("value"))}</code></td><td>{"hợp lệ" if valid else esc(r.get("why") or "không hợp lệ")}</td>'
                    f"<td>{esc(verdict)}</td></tr>")
    slipped = sum(1 for r in rows if not r.get("valid_input") and not r.get("rejected"))
    table = ('<table class="validation"><caption>Dữ liệu đã thử nhập'
             + (f": {slipped} giá trị không hợp lệ lọt qua" if slipped else "") + "</caption>"
             '<thead><tr><th scope="col">Loại</th><th scope="col">Giá trị</th><th scope="col">Vì sao</th>'
             f'<th scope="col">Kết quả</th></tr></thead><tbody>{"".join(body)}</tbody></table>')
    return f'<div class="scroll" role="region" aria-label="Dữ liệu đã thử nhập" tabindex="0">{table}</div>'


def urls_html(urls: list[tuple[str, str]], limit: int = 20) -> str:
    if not urls:
        return ""
    items = "".join(f'<li><span class="k">{esc(label)}:</span> <a href="{esc(url)}" rel="noreferrer noopener">'
                    f"{esc(url)}</a></li>" for label, url in urls[:limit])
    more = f"<li>… và {len(urls) - limit} địa chỉ khác</li>" if len(urls) > limit else ""
    return f'<ol class="urls">{items}{more}</ol>'


def _render_scalar(key: str, value: Any, run_dir: Path, root: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (int, float)):
        if key.endswith("_s") or key.endswith("seconds"):
            return f"{number(value)} giây"
        if key.endswith("_ms"):
            return f"{number(value)} ms"
        return number(value)
    text = str(value)
    if "screenshot" in key:
        src = screenshot_src(text, run_dir)
        if src:
            return f'<a href="{esc(root + src)}">{esc(src)}</a>'
        return f"{esc(text)} (không tìm thấy ảnh trong thư mục lượt chạy)"
    if is_url(text):
        return f'<a href="{esc(text)}" rel="noreferrer noopener">{esc(text)}</a>'
    return f'<span class="raw">{esc(text)}</span>'


def render_evidence(value: Any, run_dir: Path, key: str = "", root: str = "") -> str:
    """Evidence as nested definition lists; URLs as links, timings in seconds."""
    if isinstance(value, dict):
        if not value:
            return "—"
        items = "".join(
            f"<dt>{esc(EVIDENCE_LABELS.get(k, str(k).replace('_', ' ')))}</dt>"
            f"<dd>{render_evidence(v, run_dir, str(k), root)}</dd>"
            for k, v in value.items())
        return f'<dl class="evidence">{items}</dl>'
    if isinstance(value, (list, tuple)):
        if not value:
            return "—"
        return "<ul>" + "".join(f"<li>{render_evidence(v, run_dir, key, root)}</li>" for v in value) + "</ul>"
    return _render_scalar(key, value, run_dir, root)
