"""Issue 3, end to end in real Chromium: every criterion judged from what a browser shows.

One run of the tool over the reference portal and one defective profile per finding of the
letter (and each partial variant the letter names): the reference gets ``dat`` on every
criterion, each defect ``chua_dat`` on its criterion, each partial variant ``mot_phan``.
Each defective target runs only the criteria its defect is about, to keep the run short."""
from __future__ import annotations

import pytest
import yaml

from tests.e2e.conftest import ROOT, ToolRun, run_pytest_tool

pytestmark = pytest.mark.e2e

CRITERIA = ("identity_account", "no_redundant_documents", "eform", "esign", "input_validation",
            "identity_crosscheck", "required_fields", "draft_persistence", "guidance", "mobile_layout",
            "response_time", "stability", "progress_notification", "result_storage", "privacy", "branding",
            "service_usable")

#: target -> {criterion: expected outcome}; the reference is expected "dat" on every criterion.
EXPECTED: dict[str, dict[str, str]] = {
    "tham-chieu": {c: "dat" for c in CRITERIA},
    "tai-khoan-rieng": {"identity_account": "chua_dat"},
    "yeu-cau-cccd": {"no_redundant_documents": "chua_dat"},
    "khong-bieu-mau-dien-tu": {"eform": "chua_dat"},
    "ky-so-loi": {"esign": "mot_phan"},
    "khong-ky-so": {"esign": "chua_dat"},
    "sdt-chi-do-dai": {"input_validation": "mot_phan"},
    "khong-kiem-tra-sdt-email": {"input_validation": "chua_dat"},
    "khong-doi-chieu": {"identity_crosscheck": "chua_dat"},
    "khong-bat-buoc": {"required_fields": "chua_dat"},
    "nho-khi-quay-lai": {"draft_persistence": "mot_phan"},
    "khong-nho-nhap": {"draft_persistence": "chua_dat"},
    "khong-dan-dat": {"guidance": "chua_dat"},
    "dan-dat-chua-du": {"guidance": "mot_phan"},
    "vo-giao-dien": {"mobile_layout": "chua_dat"},
    "cham": {"response_time": "chua_dat"},
    "loi-nop-ho-so": {"stability": "chua_dat"},
    "nop-ho-so-loi": {"stability": "chua_dat", "service_usable": "chua_dat"},
    "ten-cu": {"branding": "chua_dat"},
    "tra-cuu-cong-khai": {"privacy": "chua_dat"},
    "khong-thong-bao-tien-do": {"progress_notification": "chua_dat"},
    "khong-luu-kho": {"result_storage": "chua_dat"},
    "ket-qua-khong-ky-so": {"result_storage": "mot_phan"},
}

#: The letter's words that a failing verdict's sentence must carry (case-insensitive).
LETTER_WORDS = {
    ("sdt-chi-do-dai", "input_validation"): "chưa kiểm tra tính hợp lệ của email",
    ("khong-kiem-tra-sdt-email", "input_validation"): "chưa kiểm tra độ dài SĐT và tính hợp lệ của email",
    ("khong-doi-chieu", "identity_crosscheck"): "chưa kiểm tra chéo với CSDLQG về dân cư",
    ("khong-bat-buoc", "required_fields"): "điền thiếu thông tin, nộp thiếu file thành phần hồ sơ",
    ("nho-khi-quay-lai", "draft_persistence"): "xảy ra sự cố phải tải lại trang web",
    ("khong-nho-nhap", "draft_persistence"): "chưa có cơ chế ghi nhớ dữ liệu tạm thời",
    ("vo-giao-dien", "mobile_layout"): "bị vỡ cấu trúc khi sử dụng trên điện thoại di động",
    ("cham", "response_time"): "chậm (trên 2 giây) khi thực hiện chuyển các màn hình",
    ("ky-so-loi", "esign"): "đã có chức năng ký số nhưng chưa hoạt động",
    ("khong-ky-so", "esign"): "chưa có chức năng ký số thành phần hồ sơ",
    ("khong-bieu-mau-dien-tu", "eform"): "chưa cung cấp biểu mẫu điện tử",
    ("yeu-cau-cccd", "no_redundant_documents"): "vẫn yêu cầu công dân cung cấp CCCD trong thành phần hồ sơ",
    ("khong-dan-dat", "guidance"): "chưa có tính dẫn dắt, gợi ý cho công dân",
    ("dan-dat-chua-du", "guidance"): "đã có nhưng chưa đầy đủ",
    ("loi-nop-ho-so", "stability"): "không ổn định",
    ("nop-ho-so-loi", "service_usable"): "không thực hiện được dịch vụ công trực tuyến",
    ("ten-cu", "branding"): "Bộ Thông tin và Truyền thông",
    ("tra-cuu-cong-khai", "privacy"): "chỉ cần duy nhất mã hồ sơ là có được thông tin chủ hồ sơ",
    ("tai-khoan-rieng", "identity_account"): "Nghị định số 69/2024/NĐ-CP",
    ("khong-thong-bao-tien-do", "progress_notification"): "chưa có chức năng thông báo tiến độ xử lý hồ sơ",
    ("khong-luu-kho", "result_storage"): "không được lưu vào kho dữ liệu cá nhân",
    ("ket-qua-khong-ky-so", "result_storage"): "chưa có chữ ký số",
}


@pytest.fixture(scope="module")
def matrix_run(sandbox, tmp_path_factory) -> ToolRun:
    """One run of the tool (two workers) over the targets of the matrix, each limited to its criteria."""
    base = tmp_path_factory.mktemp("matrix")
    data = yaml.safe_load((ROOT / "sandbox" / "scenarios" / "2.000635.yaml").read_text(encoding="utf-8"))
    targets = {t["id"]: t for t in data["targets"]}
    data["targets"] = []
    for target_id, expected in EXPECTED.items():
        target = dict(targets[target_id])
        target["criteria"] = list(expected)
        if target_id == "tham-chieu":  # stability over repeated submissions, all successful
            target["thresholds"] = {**target.get("thresholds", {}), "repeats": 3}
        data["targets"].append(target)
    folder = base / "scenarios"
    folder.mkdir()
    scenario = folder / "2.000635.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return run_pytest_tool([scenario], base / "run", "-n", "2", "--dvc-criteria", ",".join(CRITERIA),
                           urls_file=sandbox["urls_file"])


@pytest.mark.parametrize("target", list(EXPECTED))
def test_each_profile_gets_its_verdicts(matrix_run, target):
    records = {r["criterion"]: r for r in matrix_run.records if r["target"] == target}
    got = {criterion: records[criterion]["outcome"] if criterion in records else None
           for criterion in EXPECTED[target]}
    details = {c: (r["sentence"], r.get("reason")) for c, r in records.items() if r["outcome"] != EXPECTED[target][c]}
    assert got == EXPECTED[target], f"{details}\n{matrix_run.output[-3000:]}"


def test_sentences_use_the_letters_words(matrix_run):
    records = {(r["target"], r["criterion"]): r for r in matrix_run.records}
    for key, words in LETTER_WORDS.items():
        assert words.lower() in records[key]["sentence"].lower(), (key, records[key]["sentence"])
    for record in matrix_run.records:
        assert record["sentence"].strip() and record["evidence"], record


def test_evidence_says_what_was_typed_and_seen(matrix_run):
    records = {(r["target"], r["criterion"]): r for r in matrix_run.records}
    slipped = records[("sdt-chi-do-dai", "input_validation")]["evidence"]["slipped_through"]
    assert "09123abcde" in slipped["phone"] and "0112345678" in slipped["phone"]
    assert "091234567" not in slipped["phone"]  # the length is checked
    slow = records[("cham", "response_time")]
    assert "Thông tin người yêu cầu" in slow["sentence"] and slow["evidence"]["max_s"] > 2
    reference = records[("tham-chieu", "response_time")]["evidence"]
    assert reference["walks"] == 3  # the median over the repeated walks
    draft = records[("nho-khi-quay-lai", "draft_persistence")]["evidence"]
    assert draft["after_back"] == draft["typed"] and draft["after_reload"] != draft["typed"]
    stability = records[("loi-nop-ho-so", "stability")]["evidence"]
    assert stability["success_rate"] in ("1/3", "2/3")
    phone = records[("vo-giao-dien", "mobile_layout")]["evidence"]
    assert len(phone["devices"]) >= 2 and phone["screenshot"]
    assert (matrix_run.run_dir / phone["screenshot"]).is_file()


def test_no_personal_data_in_clear_in_the_run_folder(matrix_run):
    citizens = yaml.safe_load((ROOT / "config" / "citizens.yaml").read_text(encoding="utf-8"))
    secrets = [str(v) for c in citizens.values() for k, v in c.items()
               if k in ("SoDinhDanh", "HoVaTen", "SoDienThoai", "ThuDienTu", "ThuongTru", "password")]
    for path in matrix_run.run_dir.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".html", ".txt"):
            text = path.read_text(encoding="utf-8")
            for secret in secrets:
                assert secret not in text, f"{secret!r} in clear in {path.name}"


def test_probes_never_submit_nor_process_on_a_production_target(sandbox, tmp_path, browser):
    """The probes that submit again (repeats), process a dossier (back office) or sign do so on
    test systems only: on a target marked as production, the portal receives no dossier."""
    from tests.e2e.test_dry_run import _dossiers_at_server
    criteria = ["stability", "response_time", "progress_notification", "result_storage", "privacy", "esign",
                "service_usable"]
    data = yaml.safe_load((ROOT / "sandbox" / "scenarios" / "2.000635.yaml").read_text(encoding="utf-8"))
    target = next(t for t in data["targets"] if t["id"] == "tham-chieu")
    data["targets"] = [dict(target, test_system=False, criteria=criteria, thresholds={"repeats": 3})]
    (tmp_path / "scenarios").mkdir()
    scenario = tmp_path / "scenarios" / "2.000635.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = [row for row in _dossiers_at_server(browser, sandbox["urls"]) if "tham chiếu" in row]
    run = run_pytest_tool([scenario], tmp_path / "run", urls_file=sandbox["urls_file"], timeout=300)
    after = [row for row in _dossiers_at_server(browser, sandbox["urls"]) if "tham chiếu" in row]
    assert after == before, run.output[-2000:]
    outcomes = {criterion: outcome for (_, criterion), outcome in run.outcomes().items()}
    assert outcomes == {"stability": "dat", "response_time": "dat", "esign": "dat", "service_usable": "dat",
                        "progress_notification": "khong_kiem_tra_duoc", "result_storage": "khong_kiem_tra_duoc",
                        "privacy": "khong_kiem_tra_duoc"}, run.output[-3000:]
    assert all(r["dry_run"] for r in run.records)
