"""One registry of criteria, in the letter's order.

Every criterion of Công văn 4975/VPCP-KSTT is declared here once (id, Vietnamese title,
legal basis). A check module binds its function to a criterion with ``@check("id")``.
The registry feeds the scenario schema (which criteria a scenario may name), the CLI
choices and the report (order and titles), so they cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from engine.verdict import Verdict


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str  # Vietnamese, as a reader of the letter would name it
    basis: str = ""  # the legal basis or the letter's demand, in one line
    # The legal documents the criterion rests on, in one line (shown on the report's criterion page).
    legal_basis: str = ""
    # True when the criterion is judged from the catalog of the national portal (the sweep),
    # not from a browser journey of one procedure.
    catalog: bool = False
    # True when one procedure failing fails the unit: a unit where a published service does not
    # exist has non-existent services ("chưa đạt"), even if its other services exist.
    one_failure_fails: bool = False


CRITERIA: tuple[Criterion, ...] = (
    Criterion("provided_on_portal", "Cung cấp DVCTT toàn trình trên Cổng DVCQG",
              "Nghị định 42/2022/NĐ-CP: cung cấp DVCTT trên Cổng Dịch vụ công quốc gia", catalog=True,
              legal_basis="Nghị định 42/2022/NĐ-CP về cung cấp thông tin và dịch vụ công trực tuyến"),
    Criterion("redirect", "Điều hướng chính xác từ Cổng DVCQG",
              "Điều hướng chính xác về đúng DVCTT trên HTTT giải quyết TTHC",
              legal_basis="Nghị định 45/2020/NĐ-CP về thực hiện TTHC trên môi trường điện tử; Nghị định 42/2022/NĐ-CP"),
    Criterion("service_exists", "Dịch vụ được điều hướng tới có tồn tại",
              "DVCTT đã công bố trên Cổng DVCQG phải tiếp nhận được trên HTTT giải quyết TTHC",
              legal_basis="Nghị định 42/2022/NĐ-CP: DVCTT đã công bố trên Cổng DVCQG phải thực hiện được",
              one_failure_fails=True),
    Criterion("sso", "Đăng nhập 1 lần (SSO)",
              "Không yêu cầu đăng nhập lại, đăng ký hay đổi mật khẩu sau khi đã đăng nhập ở Cổng DVCQG",
              legal_basis="Nghị định 45/2020/NĐ-CP; Nghị định 69/2024/NĐ-CP: xác thực một lần qua Cổng DVCQG"),
    Criterion("identity_account", "Chỉ dùng tài khoản định danh điện tử",
              "Nghị định 69/2024/NĐ-CP về định danh và xác thực điện tử",
              legal_basis="Nghị định 69/2024/NĐ-CP về định danh và xác thực điện tử"),
    Criterion("single_system", "Một HTTT giải quyết TTHC duy nhất",
              "Nghị định 61/2018/NĐ-CP: mỗi bộ, tỉnh một HTTT giải quyết TTHC", catalog=True,
              legal_basis="Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP): một HTTT giải quyết TTHC cấp bộ, cấp tỉnh"),
    Criterion("autofill", "Tái sử dụng dữ liệu, tự động điền từ CSDLQG về dân cư",
              "Tái sử dụng dữ liệu đã số hóa, không yêu cầu người dân khai lại",
              legal_basis="Quyết định 06/QĐ-TTg (Đề án 06); Nghị định 45/2020/NĐ-CP: tái sử dụng dữ liệu đã có"),
    Criterion("no_redundant_documents", "Không yêu cầu nộp giấy tờ đã có dữ liệu",
              "Không yêu cầu nộp CCCD khi đã khai thác dữ liệu từ CSDLQG về dân cư",
              legal_basis="Nghị định 45/2020/NĐ-CP; Quyết định 06/QĐ-TTg: không yêu cầu nộp giấy tờ đã có dữ liệu"),
    Criterion("eform", "Biểu mẫu điện tử tương tác",
              "Người dân khai trực tiếp trên biểu mẫu điện tử",
              legal_basis="Nghị định 45/2020/NĐ-CP: biểu mẫu điện tử tương tác"),
    Criterion("esign", "Ký số thành phần hồ sơ",
              "Chức năng ký số thành phần hồ sơ hoạt động",
              legal_basis="Luật Giao dịch điện tử 2023; Nghị định 45/2020/NĐ-CP: ký số thành phần hồ sơ"),
    Criterion("input_validation", "Kiểm tra tính hợp lệ dữ liệu tự nhập (SĐT, email)",
              "Kiểm tra độ dài số điện thoại và tính hợp lệ của email",
              legal_basis="Nghị định 42/2022/NĐ-CP; Công văn 4975/VPCP-KSTT: kiểm tra SĐT, email"),
    Criterion("identity_crosscheck", "Đối chiếu thông tin cá nhân với CSDLQG về dân cư",
              "Thông tin cá nhân sửa đổi phải được đối chiếu với CSDLQG về dân cư",
              legal_basis="Quyết định 06/QĐ-TTg; Nghị định 69/2024/NĐ-CP: đối chiếu với CSDLQG về dân cư"),
    Criterion("required_fields", "Cảnh báo thiếu thông tin, giấy tờ bắt buộc",
              "Cảnh báo khi thiếu trường thông tin hoặc tệp bắt buộc",
              legal_basis="Nghị định 42/2022/NĐ-CP: hỗ trợ, cảnh báo khi khai thiếu thông tin"),
    Criterion("draft_persistence", "Ghi nhớ dữ liệu tạm thời",
              "Ghi nhớ dữ liệu đã nhập khi tải lại trang hoặc quay lại bước trước",
              legal_basis="Nghị định 42/2022/NĐ-CP; Công văn 4975/VPCP-KSTT: ghi nhớ dữ liệu tạm thời"),
    Criterion("guidance", "Dẫn dắt, gợi ý theo đối tượng",
              "Phân chia đối tượng với thành phần hồ sơ tương ứng",
              legal_basis="Nghị định 42/2022/NĐ-CP: dẫn dắt, hướng dẫn người dân thực hiện DVCTT"),
    Criterion("mobile_layout", "Giao diện tương thích điện thoại",
              "Giao diện không vỡ cấu trúc trên điện thoại di động",
              legal_basis="Nghị định 42/2022/NĐ-CP: hỗ trợ sử dụng trên thiết bị di động"),
    Criterion("response_time", "Thời gian phản hồi",
              "Thời gian chuyển màn hình không quá 15 giây",
              legal_basis="Nghị định 42/2022/NĐ-CP; Công văn 4975/VPCP-KSTT: chuyển màn hình không quá 15 giây"),
    Criterion("stability", "Ổn định khi thực hiện",
              "Không phát sinh lỗi khi thực hiện và nộp hồ sơ",
              legal_basis="Nghị định 42/2022/NĐ-CP: DVCTT hoạt động ổn định, liên tục"),
    Criterion("progress_notification", "Thông báo tiến độ xử lý hồ sơ",
              "Thông báo tiến trình xử lý hồ sơ cho người dân",
              legal_basis="Nghị định 45/2020/NĐ-CP; Nghị định 61/2018/NĐ-CP: thông báo tình trạng xử lý hồ sơ"),
    Criterion("result_storage", "Lưu kết quả vào kho dữ liệu cá nhân",
              "Kết quả điện tử có ký số được lưu vào kho dữ liệu cá nhân trên Cổng DVCQG",
              legal_basis="Nghị định 45/2020/NĐ-CP: Kho quản lý dữ liệu điện tử của tổ chức, cá nhân"),
    Criterion("privacy", "Bảo vệ thông tin hồ sơ",
              "Không hiển thị thông tin chủ hồ sơ khi chưa đăng nhập",
              legal_basis="Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân"),
    Criterion("branding", "Tên cơ quan cập nhật",
              "Không còn tên cơ quan, đơn vị hành chính đã sắp xếp năm 2025",
              legal_basis="Nghị quyết 176/2025/QH15, Nghị quyết 202/2025/QH15: tên cơ quan, đơn vị hành chính sau sắp xếp"),
    Criterion("service_usable", "Thực hiện được DVCTT",
              "DVCTT thực hiện được đến bước nộp hồ sơ",
              legal_basis="Nghị định 42/2022/NĐ-CP: DVCTT toàn trình thực hiện được đến khi nộp hồ sơ"),
)

CRITERIA_BY_ID: dict[str, Criterion] = {c.id: c for c in CRITERIA}
CRITERION_IDS: tuple[str, ...] = tuple(c.id for c in CRITERIA)

CheckFunction = Callable[..., Verdict]


@dataclass
class RegisteredCheck:
    criterion: Criterion
    function: CheckFunction
    # Which probes of the journey this check needs beyond the main walk through the form.
    probes: tuple[str, ...] = field(default_factory=tuple)


_REGISTRY: dict[str, RegisteredCheck] = {}


def check(criterion_id: str, *, probes: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function(evidence, context) -> Verdict`` as the check of a criterion."""
    if criterion_id not in CRITERIA_BY_ID:
        raise KeyError(f"unknown criterion {criterion_id!r}; known: {', '.join(CRITERION_IDS)}")

    def register(function: CheckFunction) -> CheckFunction:
        if criterion_id in _REGISTRY:
            raise KeyError(f"criterion {criterion_id!r} already has a check: {_REGISTRY[criterion_id].function}")
        _REGISTRY[criterion_id] = RegisteredCheck(CRITERIA_BY_ID[criterion_id], function, tuple(probes))
        return function

    return register


def registered() -> list[RegisteredCheck]:
    """The checks that exist, in the letter's order."""
    return [_REGISTRY[c] for c in CRITERION_IDS if c in _REGISTRY]


def get(criterion_id: str) -> RegisteredCheck:
    return _REGISTRY[criterion_id]
