"""Personal data is masked; codes, times, addresses of servers and figures are not."""
import pytest

from engine.masking import REDACTED, mask_record, mask_text

CITIZEN = ["Nguyễn Văn An", "12 Hàng Bài, phường Hoàn Kiếm, Hà Nội", "1990-05-17"]


@pytest.mark.parametrize("text, expected", [
    ("CCCD 001234567890", "CCCD *********890"),
    ("CMND 123456789.", "CMND ******789."),
    ("?cccd=001234567890&x=1", "?cccd=*********890&x=1"),
    ("Gọi 0912345678", "Gọi *******678"),
    ("Gọi 0912 345 678 hoặc 0912.345.678", "Gọi **** *** 678 hoặc ****.***.678"),
    ("SĐT +84 912 345 678", "SĐT +** *** *** 678"),
    ("SĐT +84912345678", "SĐT +********678"),
    ("máy bàn (024) 3823 4567", "máy bàn (***) **** *567"),
    ("máy bàn 0236.3822.123", "máy bàn ****.****.123"),
    ("tel:0987654321", "tel:*******321"),
    ("thư nguyenvanan@example.com.vn", "thư n***@example.com.vn"),
])
def test_masks_numbers_and_emails(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "Mã TTHC 2.000635 và 1.001731",
    "Hồ sơ H00.25-251204-0001 đã tiếp nhận",
    "000.00.00.H12-251204-0001",
    "lúc 15:30:01 ngày 04/12/2026, 2026-12-04T15:30:01+07:00",
    "http://127.0.0.10:8123/dich-vu/2.000635?ma=H00.25-251204-0001",
    "Đạt tỷ lệ 35,4%, 100%",
    "reports/runs/20261204-153000/shots/1733300000123.png",
    "thời gian 12.5 s, 3/5 lần",
    "Số điện thoại phải có 10 chữ số",
])
def test_leaves_codes_times_urls_and_figures(text):
    assert mask_text(text, CITIZEN) == text


def test_known_strings_case_whitespace_and_date_forms():
    text = ("Chủ hồ sơ: NGUYỄN VĂN AN; nguyễn  văn\nan; sinh 17/05/1990 (17/5/1990, 1990-05-17, "
            "ngày 17 tháng 5 năm 1990); địa chỉ 12 Hàng Bài, phường Hoàn Kiếm, Hà Nội")
    masked = mask_text(text, CITIZEN)
    assert "An" not in masked.replace("Anh", "") and "1990" not in masked and "Hàng Bài" not in masked
    assert masked.count(REDACTED) == 7


def test_known_strings_match_whole_words_only():
    assert mask_text("Văn Anh", ["Văn An"]) == "Văn Anh"
    assert mask_text("An", ["An"]) == "An"  # too short to mask without mangling words


def test_idempotent():
    text = "0912345678 001234567890 an@example.com Nguyễn Văn An"
    once = mask_text(text, CITIZEN)
    assert mask_text(once, CITIZEN) == once


def test_mask_record_nested():
    record = {
        "code": "2.000635",
        "evidence": {"values": {"Họ và tên": "Nguyễn Văn An", "Số CCCD": "001234567890"},
                     "phones": ["0912345678", ("+84 987 654 321",)],
                     "url": "http://127.0.0.2:8001/ho-so?sdt=0912345678",
                     "elapsed_s": 1.5, "ok": True, "missing": None, "count": 123456789},
    }
    masked = mask_record(record, known=CITIZEN)
    assert masked["code"] == "2.000635"
    assert masked["evidence"]["values"] == {"Họ và tên": REDACTED, "Số CCCD": "*********890"}
    assert masked["evidence"]["phones"] == ["*******678", ("+** *** *** 321",)]
    assert masked["evidence"]["url"] == "http://127.0.0.2:8001/ho-so?sdt=*******678"
    assert masked["evidence"]["elapsed_s"] == 1.5 and masked["evidence"]["ok"] is True
    assert masked["evidence"]["count"] == 123456789  # numbers stay numbers
    assert record["evidence"]["values"]["Số CCCD"] == "001234567890"  # the input is not changed


def test_oidc_secrets_in_urls_are_masked():
    url = ("http://127.0.0.10:8000/oidc/callback?code=rQtsg8xyNvOWpq&state=NaLt2vof#access_token=eyJabc"
           "&MaTTHC=2.000635")
    masked = mask_text(url)
    assert "rQtsg8xyNvOWpq" not in masked and "NaLt2vof" not in masked and "eyJabc" not in masked
    assert "MaTTHC=2.000635" in masked and "127.0.0.10:8000" in masked
    assert mask_text(masked) == masked
