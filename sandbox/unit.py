"""A unit portal (HTTT giải quyết TTHC of a ministry or province). Behaviour per profile knobs."""
from __future__ import annotations

import os
import secrets
import socket
import struct
from types import SimpleNamespace
from urllib.parse import urlencode

from flask import Response, abort, redirect, render_template, request, send_from_directory, session

from .config import Unit
from .families import entry_url, register_family
from .families.model import LAST_STEP, SIGN_PROVIDERS, STEP_TITLES, SUBMIT_FAILED_TEXT, FormModel
from .oidc_client import finish_login, register_client
from .store import Store, now_text
from .web import HERE, base_app

NOT_FOUND_TEXT = "Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online"


class _Reset(ConnectionResetError):
    """Raised to make werkzeug drop the connection without answering."""


def make_unit_app(unit: Unit, store: Store, citizens: dict, procedures: dict,
                  idp_url: str, client_id: str, client_secret: str, national_url: str):
    app = base_app("unit-" + unit.id)
    app.config["SESSION_COOKIE_NAME"] = "dvc_session"
    vneid = register_client(app, idp_url, client_id, client_secret)
    K = unit.knobs
    model = FormModel(unit, store, citizens, procedures)
    local_accounts: dict[str, dict] = {}  # username -> {"password", "SoDinhDanh"}
    header_name = K["header_name"] or unit.name
    family = K.get("family", "paged")

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

    state, proc_or_none, first_open_step = model.state, model.proc_or_none, model.first_open_step
    step_fields, validate, summary = model.step_fields, model.validate, model.summary

    def render_step(ma, proc, n, st, fields, errors=None, form_error=None):
        return page("unit_step.html", proc=proc, n=n, last=LAST_STEP,
                    title=STEP_TITLES[n], fields=fields, errors=errors or {},
                    form_error=form_error, knobs=K, providers=SIGN_PROVIDERS,
                    action=f"/dvc/{ma}/nop-ho-so/buoc-{n}",
                    draft_key=f"draft:{unit.id}:{ma}:{n}",
                    summary=summary(proc, st) if n == LAST_STEP else None)

    def family_entry(ma):
        """Another family's portal has no paged form: its entry is elsewhere."""
        return None if family == "paged" else redirect(entry_url(family, ma))

    def paged_gate(ma, next_url):
        """None if the citizen may go on with the paged form, else a redirect: to sign in
        first (gate), or to the family's own entry where the portal has no paged form."""
        g = gate(next_url)
        return g if g is not None else family_entry(ma)

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
        target = "/dvc/thong-bao-loi" if not_found else entry_url(family, ma)
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
        if family != "paged":
            return family_entry(ma)
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
        g = paged_gate(ma, f"/dvc/{ma}/nop-ho-so/buoc-{n}")
        if g is not None:
            return g
        st = state(ma)
        if request.method == "GET":
            open_step = first_open_step(st)
            if n > open_step:
                return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{open_step}")
            model.slow(n)
            return render_step(ma, proc, n, st, step_fields(n, proc, st))
        # POST
        action = request.form.get("action", "next")
        fields = step_fields(n, proc, st)
        if action == "back":
            model.keep_on_back(fields, request.form, st)
            return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{max(1, n - 1)}")
        if n == LAST_STEP:
            return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{n}")
        values, new_files, errors, form_error = validate(n, fields, request.form, request.files, st)
        signed = model.signed_from(request.form)
        if errors:
            shown = step_fields(n, proc, st)
            for f in shown:
                if f["type"] != "file":
                    f["value"] = values.get(f["id"], f["value"])
            return render_step(ma, proc, n, st, shown, errors, form_error)
        model.accept_step(n, st, values, new_files, signed)
        if model.expire_after(n, f"/dvc/{ma}/nop-ho-so/buoc-{n + 1}"):
            return redirect("/dang-nhap?het-phien=1")
        return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{n + 1}")

    @app.post("/dvc/<ma>/nop-ho-so/nop")
    def submit(ma):
        proc = proc_or_none(ma)
        if proc is None:
            return not_found_service()
        g = paged_gate(ma, f"/dvc/{ma}/nop-ho-so/buoc-{LAST_STEP}")
        if g is not None:
            return g
        st = state(ma)
        if first_open_step(st) != LAST_STEP:
            return redirect(f"/dvc/{ma}/nop-ho-so/buoc-{first_open_step(st)}")
        if model.submit_fails():
            return message("Thực hiện thất bại", SUBMIT_FAILED_TEXT, 500, role="alert",
                           links=[(f"/dvc/{ma}/nop-ho-so/buoc-{LAST_STEP}", "Quay lại")])
        d = model.record_dossier(ma, proc, st)
        return page("unit_success.html", title="Nộp hồ sơ thành công", d=d, proc=proc,
                    progress=K["progress_page"], draft_prefix=f"draft:{unit.id}:{ma}:")

    # ------------------------------------------------------------------ other families
    @app.get("/static/<path:name>")
    def static_file(name):
        # served by the unit itself: a portal's scripts come from its own host, no CDN
        return send_from_directory(HERE / "static", name)

    if family != "paged":
        register_family(family, SimpleNamespace(
            app=app, unit=unit, K=K, store=store, model=model, page=page, message=message,
            not_found_service=not_found_service, gate=gate, login_entry=login_entry))

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
        if K["progress_frozen"]:  # the page exists, its status never moves on
            d = {**d, "status": d["history"][0]["status"], "history": d["history"][:1]}
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
