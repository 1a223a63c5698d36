"""A small synthetic run for the report's own tests and for the README's screenshots: a few
units of both sections (two ministries, two provinces merged in 2025 into one, one province
unchanged, the sandbox's reference portal), every kind of evidence the site draws
(computer and phone screenshots, transition timings, inputs that slipped through, the
journey's addresses, catalog counts), personal data already masked as a real run writes it.

    python -m engine.report.site.demo reports/runs/20250605-080000
"""
from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

from engine.results import append_result

RUN_ID = "20250605-080000"
FINISHED = "2025-06-05T08:12:40+07:00"

BO_CA = {"id": "bo-cong-an", "name": "Bộ Công an", "section": "bo"}
BO_YT = {"id": "bo-y-te", "name": "Bộ Y tế", "section": "bo"}
HA_GIANG = {"id": "ha-giang", "name": "Tỉnh Hà Giang", "section": "dia_phuong"}
TUYEN_QUANG = {"id": "tuyen-quang", "name": "Tỉnh Tuyên Quang", "section": "dia_phuong"}
HA_NOI = {"id": "ha-noi", "name": "TP Hà Nội", "section": "dia_phuong"}
THAM_CHIEU = {"id": "tham-chieu", "name": "Cổng tham chiếu (đạt chuẩn)", "section": "sandbox"}
UNITS = (BO_CA, BO_YT, HA_GIANG, TUYEN_QUANG, HA_NOI, THAM_CHIEU)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG of one colour (no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rec(unit: dict, code: str, criterion: str, outcome: str, sentence: str, reason: str | None = None,
        evidence: dict | None = None, dry_run: bool = False) -> dict:
    return {"run_id": RUN_ID, "item": f"{code or 'sweep'}[{unit['id']}]::{criterion}", "code": code,
            "procedure": {"2.000635": "Cấp bản sao Trích lục hộ tịch", "1.001731": "Đăng ký khai sinh"}.get(code, ""),
            "target": unit["id"], "unit": unit, "criterion": criterion, "outcome": outcome, "sentence": sentence,
            "reason": reason, "evidence": evidence or {}, "duration_s": 2.5, "finished_at": FINISHED,
            "dry_run": dry_run, "trace": None}


def _catalog(unit: dict, declared: int, working: int) -> dict:
    rate = f"{working * 100 / declared:.1f}".replace(".", ",") + "%"
    return rec(unit, "", "provided_on_portal", "dat" if working else "chua_dat",
               f"Có cung cấp dịch vụ công trực tuyến trên Cổng Dịch vụ công quốc gia: {working}/{declared} DVCTT "
               f"toàn trình đã công bố thực hiện được ({rate}).",
               evidence={"catalog": {"declared": declared, "working": working, "rate": rate}})


def _journey(unit: dict, host: str, shots: str, slow: bool = False) -> list[dict]:
    name = unit["name"]
    start = "http://127.0.0.2:8610/dich-vu-cong/2.000635"
    landing = f"http://{host}/dvc/2.000635/nop-ho-so"
    transitions = [("chuyển từ Cổng DVCQG sang HTTT giải quyết TTHC", 1.8),
                   ("chuyển từ bước “Thông tin người yêu cầu” sang bước “Thông tin liên hệ”", 17.2 if slow else 2.1),
                   ("chuyển từ bước “Thông tin liên hệ” sang bước “Nội dung yêu cầu”", 1.2),
                   ("bước “Xác nhận và nộp hồ sơ” (nộp hồ sơ)", 3.4)]
    timing = {"transitions": [{"transition": t, "median_s": s, "samples_s": [s]} for t, s in transitions],
              "max_s": max(s for _, s in transitions), "median_s": 1.95, "threshold_s": 15, "walks": 1}
    tried = {"phone": [{"value": "09123", "valid_input": False, "rejected": False, "why": "quá ngắn"},
                       {"value": "*******678", "valid_input": True, "rejected": False, "why": ""},
                       {"value": "09abc45678", "valid_input": False, "rejected": True, "why": "có chữ cái"}],
             "email": [{"value": "abc@", "valid_input": False, "rejected": False, "why": "thiếu tên miền"},
                       {"value": "a b@x.vn", "valid_input": False, "rejected": True, "why": "có khoảng trắng"}]}
    return [
        rec(unit, "2.000635", "redirect", "dat",
            f"Đã thực hiện điều hướng chính xác dịch vụ công trực tuyến do {name} cung cấp trên Cổng DVCQG về HTTT "
            f"giải quyết TTHC của {name}.",
            evidence={"chain": [start, f"http://{host}/dvc/tiep-nhan?MaTTHC=2.000635", landing], "elapsed_s": 1.8,
                      "landing_url": landing, "screenshot": f"{shots}/trang-dich.png", "attempts": 3}),
        rec(unit, "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần."),
        rec(unit, "2.000635", "input_validation", "chua_dat",
            f"{name} chưa kiểm tra độ dài SĐT và tính hợp lệ của email (hệ thống chấp nhận SĐT “09123” (quá ngắn); "
            "email “abc@” (thiếu tên miền)).",
            evidence={"tried": tried, "slipped_through": {"phone": ["09123"], "email": ["abc@"]},
                      "valid_refused": {"phone": [], "email": []}}),
        rec(unit, "2.000635", "mobile_layout", "dat",
            f"Giao diện màn hình của {name} tương thích khi sử dụng trên điện thoại (iPhone 13).",
            evidence={"devices": {"iPhone 13": {"overflow": False, "viewport_meta": True, "url": landing,
                                                "screenshot": f"{shots}/dien-thoai-iphone-13.png"}},
                      "screenshot": f"{shots}/dien-thoai-iphone-13.png"}),
        rec(unit, "2.000635", "response_time", "chua_dat" if slow else "dat",
            (f"Thời gian phản hồi của hệ thống {name} chậm (trên 15 giây) khi thực hiện chuyển các màn hình."
             if slow else f"Thời gian phản hồi của hệ thống {name} khi chuyển giữa các màn hình nhanh."),
            evidence=timing),
        rec(unit, "2.000635", "esign", "khong_kiem_tra_duoc", "Không kiểm tra được ký số.",
            reason="thủ tục không có thành phần cần ký số trên môi trường thử nghiệm"),
    ]


def write_demo_run(run_dir: Path) -> Path:
    """Write the synthetic results and screenshots into ``run_dir`` (which must not hold results)."""
    run_dir = Path(run_dir)
    records = []
    for unit, host, declared, working, slow in ((BO_CA, "127.0.0.11:8610", 79, 25, False),
                                               (BO_YT, "127.0.0.12:8610", 90, 45, True),
                                               (HA_GIANG, "127.0.0.21:8610", 120, 110, True),
                                               (TUYEN_QUANG, "127.0.0.22:8610", 118, 118, False),
                                               (HA_NOI, "127.0.0.23:8610", 150, 140, False)):
        shots = f"artifacts/{unit['id']}"
        records.append(_catalog(unit, declared, working))
        records += _journey(unit, host, shots, slow)
        folder = run_dir / shots
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "trang-dich.png").write_bytes(png(320, 200, (225, 236, 250)))
        (folder / "dien-thoai-iphone-13.png").write_bytes(png(130, 280, (232, 245, 233)))
    # Differences that make the map worth reading.
    records += [
        rec(BO_CA, "1.001731", "sso", "chua_dat",
            "Sau khi điều hướng từ Cổng DVCQG, HTTT giải quyết TTHC của Bộ Công an yêu cầu đăng nhập lại.",
            evidence={"url": "http://127.0.0.11:8610/dang-nhap"}),
        rec(HA_GIANG, "2.000635", "branding", "chua_dat",
            "Giao diện vẫn còn tên đơn vị hành chính đã sắp xếp năm 2025 (Tỉnh Hà Giang).", dry_run=True),
        rec(TUYEN_QUANG, "2.000635", "autofill", "dat",
            "Đã tái sử dụng dữ liệu từ CSDLQG về dân cư để tự động điền vào biểu mẫu (họ tên, ngày sinh, "
            "số định danh *********890)."),
        rec(HA_NOI, "2.000635", "autofill", "mot_phan",
            "Đã tự động điền một phần thông tin (họ tên, số định danh) nhưng chưa điền địa chỉ thường trú."),
        rec(THAM_CHIEU, "2.000635", "redirect", "dat", "Đã điều hướng chính xác <về> dịch vụ & biểu mẫu."),
        rec(THAM_CHIEU, "2.000635", "sso", "dat", "Đã có cơ chế đăng nhập 1 lần."),
        rec(THAM_CHIEU, "2.000635", "esign", "khong_ap_dung", "Thủ tục không có thành phần cần ký số."),
    ]
    for record in records:
        append_result(run_dir, record)
    return run_dir


def build_demo_reports(run_dir: Path) -> Path:
    from engine.report import build_reports
    return build_reports(run_dir)["html"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1:
        print("Cách dùng: python -m engine.report.site.demo <thư mục lượt chạy mới>", file=sys.stderr)
        return 2
    run_dir = Path(argv[0])
    if (run_dir / "results.jsonl").exists():
        print(f"{run_dir}: đã có results.jsonl", file=sys.stderr)
        return 2
    write_demo_run(run_dir)
    build_demo_reports(run_dir)
    print(run_dir / "index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
