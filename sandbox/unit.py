"""A unit portal (HTTT giải quyết TTHC of a ministry or province). Behaviour per profile knobs."""
from __future__ import annotations

import os
import re
import secrets
import socket
import struct
import threading
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, abort, redirect, render_template, request, session

from .config import Unit
from .oidc_client import finish_login, register_client
from .store import Store, now_text
from .web import base_app, date_vn

PHONE_RE = re.compile(r"^0(3|5|7|8|9)\d{8}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
DATE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
PHONE_PATTERN = "0(3|5|7|8|9)[0-9]{8}"
EMAIL_PATTERN = r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+"
NOT_FOUND_TEXT = "Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online"
MISMATCH_TEXT = "Thông tin không khớp với CSDLQG về dân cư"
CCCD_DOC = {"id": "cccd", "name": "Căn cước công dân (bản chụp)", "required": True}
STEP_TITLES = {1: "Thông tin người yêu cầu", 2: "Thông tin liên hệ", 3: "Nội dung yêu cầu",
               4: "Thành phần hồ sơ", 5: "Xác nhận và nộp hồ sơ"}
LAST_STEP = 5
SIGN_PROVIDERS = ["VNPT-CA", "Viettel-CA", "FPT-CA"]


class _Reset(ConnectionResetError):
    """Raised to make werkzeug drop the connection without answering."""


def make_unit_app(unit: Unit, store: Store, citizens: dict, procedures: dict,
                  idp_url: str, client_id: str, client_secret: str, national_url: str):
    app = base_app("unit-" + unit.id)
    app.config["SESSION_COOKIE_NAME"] = "dvc_session"
    vneid = register_client(app, idp_url, client_id, client_secret)
    K = unit.knobs
    forms: dict[str, dict] = {}          # sid -> MaTTHC -> form state
    forms_lock = threading.Lock()
    local_accounts: dict[str, dict] = {}  # username -> {"password", "SoDinhDanh"}
    header_name = K["header_name"] or unit.name

    # ------------------------------------------------------------------ helpers
    def page(template, status=200, **ctx):
        ctx.setdefault("site", f"Cổng Dịch vụ công {header_name}")
        ctx.setdefault("mobile", K["mobile"])
        ctx.setdefault("user", session.get("user"))
        ctx.setdefault("unit", unit)
        ctx.setdefault("nav", "unit")
        return render_template(template, **ctx), status

    def message(title, text, status=200, role=None, links=None):
        return page("message.html", status, title=title, text=text, role=role, links=links or [])

    def not_found_service(status=404):
        return message("Không tìm thấy thủ tục", NOT_FOUND_TEXT, status, role="alert",
                       links=[("/", "Về trang chủ")])

    def login_entry():
        return "/dang-nhap" if K["login"] == "local_login" else "/dang-nhap/vneid"

    def gate(next_url):
        """None if the citizen may use the service, else a redirect."""
        if not session.get("user"):
            session["next"] = next_url
            return redirect(login_entry())
        if K["require_registration"] and not session.get("registered"):
            session["next"] = next_url
            return redirect("/dang-ky-tai-khoan")
        if K["require_password_change"] and not session.get("pw_changed"):
            session["next"] = next_url
            return redirect("/doi-mat-khau")
        return None

    def after_login():
        nxt = session.get("next") or "/"
        g = gate(nxt)
        if g is not None:
            return g
        session.pop("next", None)
        return redirect(nxt if nxt.startswith("/") else "/")

    def sid():
        if "sid" not in session:
            session["sid"] = secrets.token_urlsafe(16)
        return session["sid"]

    def state(ma):
        with forms_lock:
            return forms.setdefault(sid(), {}).setdefault(
                ma, {"values": {}, "files": {}, "signed": {}, "done": set()})

    def reset_state(ma):
        with forms_lock:
            forms.get(sid(), {}).pop(ma, None)

    def citizen_record():
        u = session.get("user") or {}
        return citizens.get(u.get("SoDinhDanh", ""), u)

    def proc_or_none(ma):
        if ma not in unit.procedures:
            return None
        return procedures.get(ma)

    def applicant_types(proc):
        return proc.get("applicant_types") or [{"id": "ban-than", "name": "Người yêu cầu"}]

    def documents_for(proc, st):
        types = applicant_types(proc)
        chosen = st["values"].get("doi_tuong") or types[0]["id"]
        if K["guidance"] != "full":
            chosen = types[0]["id"]
        docs = [d for d in proc.get("documents", [])
                if not d.get("applicant_types") or chosen in d["applicant_types"]]
        if K["require_cccd_upload"]:
            docs = [CCCD_DOC] + docs
        return docs

    # ------------------------------------------------------------------ field models
    def step_fields(n, proc, st):
        """The fields of step n, each a dict the template renders."""
        v = st["values"]
        keep = K["drafts"] != "none"
        user = session.get("user") or {}
        prefill = K["prefill"]
        req = True  # marked required on screen in every profile

        def val(name, default=""):
            if keep and name in v:
                return v[name]
            return default

        fields = []
        if n == 1:
            types = applicant_types(proc)
            if K["guidance"] != "none":
                fields.append({"id": "doi_tuong", "label": "Đối tượng thực hiện", "type": "select",
                               "required": req, "value": val("doi_tuong", types[0]["id"]),
                               "options": [(t["id"], t["name"]) for t in types]})
            ro = prefill and K["identity_crosscheck"]
            fields += [
                {"id": "ho_ten", "label": "Họ và tên", "type": "text", "required": req,
                 "value": val("ho_ten", user.get("HoVaTen", "") if prefill else ""),
                 "readonly": ro, "autocomplete": "name"},
                {"id": "ngay_sinh", "label": "Ngày sinh", "type": "text", "required": req,
                 "value": val("ngay_sinh", date_vn(user.get("NgayThangNamSinh", "")) if prefill else ""),
                 "readonly": ro, "placeholder": "dd/mm/yyyy", "hint": "Định dạng: dd/mm/yyyy"},
                {"id": "so_dinh_danh", "label": "Số định danh cá nhân", "type": "text",
                 "required": req, "inputmode": "numeric",
                 "value": val("so_dinh_danh", user.get("SoDinhDanh", "") if prefill else ""),
                 "readonly": ro},
            ]
            g_opts = [("Nam", "Nam"), ("Nữ", "Nữ")]
            g_val = val("gioi_tinh", user.get("GioiTinh", "") if prefill else "")
            if not g_val:
                g_opts = [("", "-- Chọn giới tính --")] + g_opts
            fields += [
                {"id": "gioi_tinh", "label": "Giới tính", "type": "select", "required": req,
                 "value": g_val, "options": g_opts},
                {"id": "dia_chi", "label": "Địa chỉ thường trú", "type": "text", "required": req,
                 "value": val("dia_chi", user.get("ThuongTru", "") if prefill else "")},
            ]
        elif n == 2:
            phone = {"id": "so_dien_thoai", "label": "Số điện thoại", "type": "text",
                     "required": req, "autocomplete": "tel",
                     "value": val("so_dien_thoai", user.get("SoDienThoai", "") if prefill else "")}
            if K["phone_validation"] == "full":
                phone.update(type="tel", pattern=PHONE_PATTERN, inputmode="tel",
                             hint="10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09",
                             title="Số điện thoại di động 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09")
            email = {"id": "thu_dien_tu", "label": "Thư điện tử", "type": "text",
                     "required": req, "autocomplete": "email",
                     "value": val("thu_dien_tu", user.get("ThuDienTu", "") if prefill else "")}
            if K["email_validation"] == "full":
                email.update(type="email", pattern=EMAIL_PATTERN,
                             title="Địa chỉ thư điện tử, ví dụ: ten@example.vn")
            fields += [phone, email]
        elif n == 3:
            if K["eform"]:
                for f in proc.get("fields", []):
                    d = {"id": f["id"], "label": f["label"], "type": f.get("type", "text"),
                         "required": bool(f.get("required")),
                         "value": val(f["id"], str(f.get("default", "")))}
                    if d["type"] == "select":
                        d["options"] = [("", "-- Chọn --")] + [(o, o) for o in f.get("options", [])]
                    if d["type"] == "number":
                        d["min"], d["max"] = f.get("min"), f.get("max")
                    fields.append(d)
            else:
                fields.append({"id": "to_khai", "label": "Tờ khai đã điền", "type": "file",
                               "required": True, "uploaded": st["files"].get("to_khai") if keep else None,
                               "download": (f"/dvc/{proc['MaTTHC']}/mau-to-khai", "Tải mẫu tờ khai")})
        elif n == 4:
            for d in documents_for(proc, st):
                fields.append({"id": "doc_" + d["id"], "label": d["name"], "type": "file",
                               "required": bool(d.get("required")),
                               "uploaded": st["files"].get("doc_" + d["id"]) if keep else None,
                               "signed": st["signed"].get("doc_" + d["id"]) if keep else None,
                               "esign": K["esign"] != "none"})
        return fields

    def validate(n, fields, form, files, st):
        """Returns (values, new_files, errors, form_error)."""
        values, new_files, errors = {}, {}, {}
        form_error = None
        for f in fields:
            if f["type"] == "file":
                fs = files.get(f["id"])
                if fs and fs.filename:
                    data = fs.read()
                    new_files[f["id"]] = {"name": fs.filename, "size": len(data)}
                elif f["required"] and K["required_checks"] and not st["files"].get(f["id"]):
                    errors[f["id"]] = f"Vui lòng tải lên {f['label']}."
                continue
            raw = form.get(f["id"], "")
            value = raw.strip() if isinstance(raw, str) else ""
            values[f["id"]] = value
            if not value:
                if f["required"] and K["required_checks"]:
                    verb = "chọn" if f["type"] == "select" else "nhập"
                    errors[f["id"]] = f"Vui lòng {verb} {f['label'][0].lower() + f['label'][1:]}."
                continue
            fid = f["id"]
            if fid == "ngay_sinh":
                m = DATE_RE.match(value)
                ok = False
                if m:
                    try:
                        datetime(int(m[3]), int(m[2]), int(m[1]))
                        ok = True
                    except ValueError:
                        pass
                if not ok:
                    errors[fid] = "Ngày sinh không hợp lệ (định dạng dd/mm/yyyy)."
            elif fid == "so_dinh_danh" and K["identity_crosscheck"] and not re.fullmatch(r"\d{12}", value):
                errors[fid] = "Số định danh cá nhân gồm 12 chữ số."
            elif fid == "so_dien_thoai":
                mode = K["phone_validation"]
                if mode == "full" and not PHONE_RE.match(value):
                    errors[fid] = ("Số điện thoại không hợp lệ: cần 10 chữ số, bắt đầu bằng "
                                   "03, 05, 07, 08 hoặc 09.")
                elif mode == "length" and len(value) != 10:
                    errors[fid] = "Số điện thoại phải có đúng 10 ký tự."
            elif fid == "thu_dien_tu" and K["email_validation"] == "full" and not EMAIL_RE.match(value):
                errors[fid] = "Thư điện tử không hợp lệ (ví dụ: ten@example.vn)."
            elif f["type"] == "number":
                try:
                    num = int(value)
                    if (f.get("min") is not None and num < f["min"]) or (
                            f.get("max") is not None and num > f["max"]):
                        raise ValueError
                except ValueError:
                    errors[fid] = f"{f['label']} phải là số từ {f.get('min')} đến {f.get('max')}."
            elif f["type"] == "select":
                if value not in [o[0] for o in f["options"]]:
                    errors[fid] = f"Giá trị của {f['label']} không hợp lệ."
        if n == 1 and K["identity_crosscheck"] and not errors:
            rec = citizen_record()
            expected = {"ho_ten": rec.get("HoVaTen", ""),
                        "ngay_sinh": date_vn(rec.get("NgayThangNamSinh", "")),
                        "so_dinh_danh": rec.get("SoDinhDanh", "")}
            bad = [k for k, e in expected.items()
                   if values.get(k) and " ".join(values[k].split()) != e]
            if bad:
                form_error = MISMATCH_TEXT
                for k in bad:
                    errors[k] = MISMATCH_TEXT
        return values, new_files, errors, form_error

    def first_open_step(st):
        for i in range(1, LAST_STEP):
            if i not in st["done"]:
                return i
        return LAST_STEP

    def render_step(ma, proc, n, st, fields, errors=None, form_error=None):
        return page("unit_step.html", proc=proc, n=n, last=LAST_STEP,
                    title=STEP_TITLES[n], fields=fields, errors=errors or {},
                    form_error=form_error, knobs=K, providers=SIGN_PROVIDERS,
                    action=f"/dvc/{ma}/nop-ho-so/buoc-{n}",
                    draft_key=f"draft:{unit.id}:{ma}:{n}",
                    summary=summary(proc, st) if n == LAST_STEP else None)

    def summary(proc, st):
        rows = []
        labels = {}
        for i in range(1, 4):
            for f in step_fields(i, proc, {**st, "values": st["values"]}):
                labels[f["id"]] = f
        for fid, f in labels.items():
            if f["type"] == "file":
                up = st["files"].get(fid)
                rows.append((f["label"], up["name"] if up else "(chưa có)"))
            else:
                v = st["values"].get(fid, "")
                if f["type"] == "select":
                    v = dict(f["options"]).get(v, v)
                rows.append((f["label"], v))
        for d in documents_for(proc, st):
            up = st["files"].get("doc_" + d["id"])
            txt = up["name"] if up else "(không có)"
            if up and st["signed"].get("doc_" + d["id"]):
                txt += f" — đã ký số ({st['signed']['doc_' + d['id']]})"
            rows.append((d["name"], txt))
        return rows

    # ------------------------------------------------------------------ global behaviour
    @app.before_request
    def _bot_challenge():
        if K["bot_challenge"] and not request.path.startswith("/back-office/"):
            return page("challenge.html", title="Đang kiểm tra trình duyệt...")

    # ------------------------------------------------------------------ pages
    @app.get("/")
    def home():
        procs = [procedures[p] for p in unit.procedures]
        return page("unit_home.html", title="Trang chủ", procs=procs)

    @app.get("/dang-nhap")
    def login_page():
        expired = request.args.get("het-phien") == "1"
        return page("unit_login.html", title="Đăng nhập", local=K["local_accounts"],
                    expired=expired, error=None, username="")

    @app.post("/dang-nhap")
    def login_local():
        if not K["local_accounts"]:
            abort(405)
        username = (request.form.get("ten_dang_nhap") or "").strip()
        password = request.form.get("mat_khau") or ""
        acc = local_accounts.get(username)
        who = None
        if acc and secrets.compare_digest(acc["password"], password):
            who = citizens.get(acc["SoDinhDanh"])
        elif username in citizens and secrets.compare_digest(citizens[username]["password"], password):
            who = citizens[username]
        if not who:
            return page("unit_login.html", 401, title="Đăng nhập", local=True, expired=False,
                        error="Tên đăng nhập hoặc mật khẩu không đúng.", username=username)
        session["user"] = {k: who.get(k, "") for k in
                           ["SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "GioiTinh", "ThuongTru",
                            "SoDienThoai", "ThuDienTu"]}
        session["user"]["sub"] = who["SoDinhDanh"]
        return after_login()

    @app.route("/dang-nhap/vneid", methods=["GET", "POST"])
    def login_vneid():
        return vneid.authorize_redirect(unit.base_url + "/oidc/callback")

    @app.get("/oidc/callback")
    def callback():
        try:
            user = finish_login(vneid)
        except Exception as e:  # noqa: BLE001 — any failure is a failed sign-in
            app.logger.warning("sign-in failed: %r", e)
            return message("Đăng nhập không thành công",
                           "Không xác thực được với VNeID. Vui lòng thử lại.", 400, role="alert",
                           links=[("/dang-nhap", "Đăng nhập")])
        session["user"] = user
        return after_login()

    @app.route("/dang-ky-tai-khoan", methods=["GET", "POST"])
    def register():
        if not session.get("user"):
            return redirect(login_entry())
        errors, username = {}, ""
        if request.method == "POST":
            username = (request.form.get("ten_dang_nhap") or "").strip()
            pw = request.form.get("mat_khau") or ""
            pw2 = request.form.get("nhap_lai_mat_khau") or ""
            if not username:
                errors["ten_dang_nhap"] = "Vui lòng nhập tên đăng nhập."
            if len(pw) < 8:
                errors["mat_khau"] = "Mật khẩu cần ít nhất 8 ký tự."
            if pw != pw2:
                errors["nhap_lai_mat_khau"] = "Mật khẩu nhập lại không khớp."
            if not errors:
                local_accounts[username] = {"password": pw,
                                            "SoDinhDanh": session["user"]["SoDinhDanh"]}
                session["registered"] = True
                return after_login()
        return page("unit_register.html", title="Đăng ký tài khoản", errors=errors,
                    username=username)

    @app.route("/doi-mat-khau", methods=["GET", "POST"])
    def change_password():
        if not session.get("user"):
            return redirect(login_entry())
        errors = {}
        if request.method == "POST":
            pw = request.form.get("mat_khau_moi") or ""
            pw2 = request.form.get("nhap_lai_mat_khau_moi") or ""
            if len(pw) < 8:
                errors["mat_khau_moi"] = "Mật khẩu mới cần ít nhất 8 ký tự."
            if pw != pw2:
                errors["nhap_lai_mat_khau_moi"] = "Mật khẩu nhập lại không khớp."
            if not errors:
                session["pw_changed"] = True
                return after_login()
        return page("unit_password.html", title="Đổi mật khẩu", errors=errors)

    @app.get("/dang-xuat")
    def logout():
        session.clear()
        return redirect(idp_url + "/logout?" + urlencode(
            {"post_logout_redirect_uri": unit.base_url + "/"}))

    # ------------------------------------------------------------------ hand-off
    @app.get("/dvc/tiep-nhan")
    def handoff():
        mode = K["handoff"]
        n = store.count(unit.id + ":handoff")
        if mode == "timeout":
            store.sleep(float(K["handoff_delay_s"] or 45))
            return message("Hết thời gian chờ", "Máy chủ không phản hồi.", 504, role="alert")
        if mode == "error500":
            return message("Lỗi hệ thống", "Lỗi máy chủ nội bộ. Thực hiện thất bại.", 500,
                           role="alert")
        if mode == "slow_first_byte":
            if not store.sleep(float(K["handoff_delay_s"] or 20)):
                return message("Dừng", "Máy chủ đang dừng.", 503)
        if mode == "redirect_loop":
            return redirect("/dvc/tiep-nhan/xac-thuc?" + urlencode(request.args))
        if mode == "home" or (mode == "flaky" and n % int(K["handoff_flaky_every"]) == 0):
            return redirect("/")
        ma = request.args.get("MaTTHC", "")
        # a generated service's own fault (sandbox/catalog.py); hand-written ones have none
        fault = unit.faults.get(ma)
        if fault == "error500":
            return message("Lỗi hệ thống", "Lỗi máy chủ nội bộ. Thực hiện thất bại.", 500, role="alert")
        if fault == "home":
            return redirect("/")
        if fault == "other_system" and unit.second_system is not None:
            return redirect(unit.second_system.base_url + "/dvc/tiep-nhan?" + urlencode(request.args))
        session["handoff"] = {k: request.args.get(k, "") for k in
                              ["MaTTHC", "MaTTHCDP", "MaCoQuanThucHien", "MaDVC", "vneid"]}
        if mode != "not_found" and proc_or_none(ma) is None:
            # a procedure this unit does not offer: said at once, before any sign-in
            return not_found_service(404)
        not_found = mode == "not_found" or fault == "not_found"
        target = "/dvc/thong-bao-loi" if not_found else f"/dvc/{ma}/nop-ho-so"
        g = gate(target)
        return g if g is not None else redirect(target)

    @app.get("/dvc/tiep-nhan/xac-thuc")
    def handoff_loop():
        return redirect("/dvc/tiep-nhan?" + urlencode(request.args))

    @app.get("/dvc/thong-bao-loi")
    def service_error():
        g = gate(request.full_path)
        if g is not None:
            return g
        return not_found_service(200)

    # ------------------------------------------------------------------ the form
    @app.get("/dvc/<ma>/nop-ho-so")
    def form_entry(ma):
        proc = proc_or_none(ma)
        g = gate(request.path)
        if g is not None:
            return g
        if proc is None:
            return not_found_service()
        state(ma)
        return redirect(f"/dvc/{ma}/nop-ho-so/buoc-1")

    @app.get("/dvc/<ma>/mau-to-khai")
    def form_template(ma):
        proc = proc_or_none(ma)
        if proc is None:
            abort(404)
        lines = [f"TỜ KHAI — {proc['TenTTHC']} (Mã TTHC {ma})", ""]
        for f in proc.get("fields", []):
            lines.append(f"{f['label']}: ..............................")
        body = "\n".join(lines) + "\n"
        return Response(body.encode("utf-8"), mimetype="text/plain", headers={
            "Content-Disposition": f'attachment; filename="mau-to-khai-{ma}.txt"'})

    @app.route("/dvc/<ma>/nop-ho-so/buoc-<int:n>", methods=["GET", "POST"])
    def form_step(ma, n):
        proc = proc_or_none(ma)
        if proc is None:
            return not_found_service()
        if not 1 <= n <= LAST_STEP:
            abort(404)
        g = gate(f"/dvc/{ma}/nop-ho-so/buoc-{n}")
        if g is not None:
            return g
        st = state(ma)
        if request.method == "GET":
            open_step = first_open_step(st)
            if n > open_step:
                return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{open_step}")
            slow = K["slow_step"]
            if slow and int(slow.get("step", 0)) == n:
                store.sleep(float(slow.get("seconds", 0)))
            return render_step(ma, proc, n, st, step_fields(n, proc, st))
        # POST
        action = request.form.get("action", "next")
        fields = step_fields(n, proc, st)
        if action == "back":
            if K["drafts"] != "none":
                for f in fields:
                    if f["type"] != "file" and f["id"] in request.form:
                        st["values"][f["id"]] = request.form.get(f["id"], "").strip()
            return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{max(1, n - 1)}")
        if n == LAST_STEP:
            return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{n}")
        values, new_files, errors, form_error = validate(n, fields, request.form, request.files, st)
        signed = {k[len("ky_so_"):]: v for k, v in request.form.items()
                  if k.startswith("ky_so_") and v in SIGN_PROVIDERS}
        if errors:
            shown = step_fields(n, proc, st)
            for f in shown:
                if f["type"] != "file":
                    f["value"] = values.get(f["id"], f["value"])
            return render_step(ma, proc, n, st, shown, errors, form_error)
        st["values"].update(values)
        st["files"].update(new_files)
        st["signed"].update({k: v for k, v in signed.items() if k in st["files"]})
        st["done"].add(n)
        if K["session_expiry_after_step"] == n and not session.get("expired_once"):
            session.pop("user", None)
            session["expired_once"] = True
            session["next"] = f"/dvc/{ma}/nop-ho-so/buoc-{n + 1}"
            return redirect("/dang-nhap?het-phien=1")
        return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{n + 1}")

    @app.post("/dvc/<ma>/nop-ho-so/nop")
    def submit(ma):
        proc = proc_or_none(ma)
        if proc is None:
            return not_found_service()
        g = gate(f"/dvc/{ma}/nop-ho-so/buoc-{LAST_STEP}")
        if g is not None:
            return g
        st = state(ma)
        if first_open_step(st) != LAST_STEP:
            return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{first_open_step(st)}")
        mode = K["submit_failure"]
        n = store.count(unit.id + ":submit")
        if mode == "always" or (mode == "every_2nd" and n % 2 == 0):
            return message("Thực hiện thất bại",
                           "Thực hiện thất bại. Đã có lỗi xảy ra trong quá trình nộp hồ sơ, "
                           "vui lòng thử lại sau.", 500, role="alert",
                           links=[(f"/dvc/{ma}/nop-ho-so/buoc-{LAST_STEP}", "Quay lại")])
        ho = session.get("handoff") or {}
        agency = next((a for a in unit.agencies if a["ma"] == ho.get("MaCoQuanThucHien")),
                      unit.agencies[0])
        owner = dict(citizen_record())
        owner.pop("password", None)
        d = store.new_dossier(unit, ma, owner, st["values"], st["files"])
        d["agency"] = agency
        d["TenTTHC"] = proc["TenTTHC"]
        reset_state(ma)
        return page("unit_success.html", title="Nộp hồ sơ thành công", d=d, proc=proc,
                    progress=K["progress_page"], draft_prefix=f"draft:{unit.id}:{ma}:")

    # ------------------------------------------------------------------ after submission
    def own_dossier(code):
        d = store.dossiers.get(code)
        u = session.get("user") or {}
        if not d or d["unit"] != unit.id or d["owner"].get("SoDinhDanh") != u.get("SoDinhDanh"):
            return None
        return d

    @app.get("/ho-so")
    def my_dossiers():
        if not K["progress_page"]:
            abort(404)
        g = gate(request.path)
        if g is not None:
            return g
        u = session["user"]
        items = [d for d in store.dossiers.values()
                 if d["unit"] == unit.id and d["owner"].get("SoDinhDanh") == u["SoDinhDanh"]]
        return page("unit_dossiers.html", title="Hồ sơ của tôi", items=items)

    @app.get("/ho-so/<code>")
    def dossier(code):
        if not K["progress_page"]:
            abort(404)
        g = gate(request.path)
        if g is not None:
            return g
        d = own_dossier(code)
        if d is None:
            return message("Không tìm thấy hồ sơ", "Không tìm thấy hồ sơ.", 404)
        return page("unit_dossier.html", title=f"Hồ sơ {code}", d=d)

    @app.get("/tra-cuu")
    def lookup():
        code = (request.args.get("ma_ho_so") or "").strip()
        d = None
        searched = bool(code)
        if code:
            d = store.dossiers.get(code)
            if d and d["unit"] != unit.id:
                d = None
        return page("unit_lookup.html", title="Tra cứu hồ sơ", code=code, d=d,
                    searched=searched, full=K["public_lookup"] == "full_details")

    @app.post("/back-office/xu-ly/<code>")
    def back_office(code):
        """Sandbox-only: a civil servant processes the dossier and issues the result."""
        d = store.dossiers.get(code)
        if not d or d["unit"] != unit.id:
            return {"error": "Không tìm thấy hồ sơ"}, 404
        if d["status"] != "Đã có kết quả":
            store.add_status(code, "Đang xử lý", "Hồ sơ đang được cán bộ giải quyết.")
            store.add_status(code, "Đã có kết quả", "Đã có kết quả giải quyết.")
            mode = K["result_storage"]
            if mode != "none":
                agency = d.get("agency") or unit.agencies[0]
                store.add_to_kho(d["owner"]["SoDinhDanh"], {
                    "title": f"Kết quả: {d.get('TenTTHC', d['MaTTHC'])}",
                    "code": code, "unit": unit.national_name, "time": now_text(),
                    "file": f"ket-qua-{code}.pdf",
                    "signed": mode == "signed",
                    "signer": f"{agency['ten']} — {unit.national_name}" if mode == "signed" else "",
                })
        return {"MaHoSo": code, "TrangThai": store.dossiers[code]["status"]}

    if K["handoff"] == "reset":
        app.wsgi_app = _ResetHandoff(app.wsgi_app)
    return app


class _ResetHandoff:
    """WSGI middleware: the hand-off's connection is reset (RST) without any answer."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/dvc/tiep-nhan":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                # Linger 0, then swap the connection's descriptor for one end of a dead
                # socketpair: the connection is released at once with a TCP RST, and
                # werkzeug goes on with a harmless socket that reads end-of-file.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                a, b = socket.socketpair()
                b.close()
                os.dup2(a.fileno(), sock.fileno())
                a.close()
            raise _Reset("sandbox: connection reset on purpose")
        return self.inner(environ, start_response)
