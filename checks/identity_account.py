"""identity_account — only national identity accounts (VNeID, Nghị định 69/2024/NĐ-CP): the
unit's login page must not offer accounts of its own (username and password)."""
from __future__ import annotations

from checks.common import probe_data
from checks.context import CheckContext
from checks.registry import check
from engine.journey import Evidence
from engine.verdict import Verdict, chua_dat, dat, khong_kiem_tra_duoc


@check("identity_account", probes=("identity_account",))
def identity_account(ev: Evidence, ctx: CheckContext) -> Verdict:
    unit = ctx.unit_name
    # A login page met on the way to the form already tells (the walk was signed in at VNeID).
    own_on_the_way = [p for p in ev.before_form if p.password_fields > 0]
    data, unjudged = probe_data(ev, "identity_account")
    facts = {"login_page": data.get("url"), "fields": data.get("labels"), "screenshot": data.get("screenshot"),
             "pages_before_form": [p.url for p in own_on_the_way]}
    if own_on_the_way or data.get("own_accounts"):
        where = "Màn hình đăng nhập của " if data.get("own_accounts") else "Hệ thống của "
        return chua_dat(f"{where}{unit} vẫn để đăng nhập bằng tài khoản do đơn vị tự cấp "
                        "(tên đăng nhập, mật khẩu) bên cạnh tài khoản định danh điện tử (không đáp ứng quy định "
                        "về việc sử dụng tài khoản định danh xác thực điện tử tại Nghị định số 69/2024/NĐ-CP).",
                        **facts)
    if unjudged:
        return unjudged
    if not data.get("found"):
        return khong_kiem_tra_duoc("không tìm thấy trang đăng nhập của đơn vị (liên kết “Đăng nhập” trên trang chủ "
                                   "hoặc địa chỉ khai báo trong kịch bản)", home=data.get("home"))
    return dat(f"{unit} chỉ sử dụng tài khoản định danh điện tử (VNeID) để đăng nhập, không còn tài khoản "
               "do đơn vị tự cấp.", **facts)
