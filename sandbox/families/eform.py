"""The `eform` family: a legacy e-form. Server-rendered, one address `/eform/<code>` for
every step (the step travels in a hidden input `buoc`, the server remembers where the
citizen is), table layout with `aria-labelledby` labels, the submission posted to
`/eform/<code>/gui`. Same rules as `paged` (the shared model)."""
from __future__ import annotations

from flask import jsonify, redirect, request

from . import form_input
from .model import LAST_STEP, SIGN_PROVIDERS, SUBMIT_FAILED_TEXT

STEP_HEADINGS = {1: "Bước 1. Người nộp", 2: "Bước 2. Liên hệ", 3: "Bước 3. Nội dung",
                 4: "Bước 4. Hồ sơ đính kèm", 5: "Bước 5. Xác nhận"}
SUCCESS_TEXT = "Hồ sơ đã được tiếp nhận"


def register(portal):
    app, model, K = portal.app, portal.model, portal.K

    def render(ma, proc, n, st, fields, errors=None, form_error=None):
        return portal.page("eform_step.html", proc=proc, ma=ma, n=n, last=LAST_STEP,
                           title=STEP_HEADINGS[n], fields=fields, errors=errors or {},
                           form_error=form_error, knobs=K, providers=SIGN_PROVIDERS,
                           summary=model.summary(proc, st) if n == LAST_STEP else None)

    def here(ma):
        # 303: the browser comes back with a GET to the one address of the form
        return redirect(f"/eform/{ma}", code=303)

    @app.route("/eform/<ma>", methods=["GET", "POST"])
    def eform(ma):
        proc = model.proc_or_none(ma)
        g = portal.gate(f"/eform/{ma}")
        if g is not None:
            return g
        if proc is None:
            return portal.not_found_service()
        st = model.state(ma)
        open_step = model.first_open_step(st)
        if request.method == "GET":
            n = min(st.get("cursor", 1), open_step)
            model.slow(n)
            return render(ma, proc, n, st, model.step_fields(n, proc, model.shown(st)))
        try:
            n = int(request.form.get("buoc") or 1)
        except ValueError:
            n = 1
        if not 1 <= n <= open_step:
            st["cursor"] = open_step
            return here(ma)
        data = form_input(request.form, "ef_")
        fields = model.step_fields(n, proc, st)
        if request.form.get("action", "next") == "back":
            model.keep_on_back(fields, data, st)
            st["cursor"] = max(1, n - 1)
            return here(ma)
        if n == LAST_STEP:
            st["cursor"] = n
            return here(ma)
        values, new_files, errors, form_error = model.validate(
            n, fields, data, form_input(request.files, "ef_"), st)
        if errors:
            shown = model.step_fields(n, proc, st)
            for f in shown:
                if f["type"] != "file":
                    f["value"] = values.get(f["id"], f["value"])
            return render(ma, proc, n, st, shown, errors, form_error)
        model.accept_step(n, st, values, new_files, model.signed_from(request.form))
        st["cursor"] = n + 1
        if model.expire_after(n, f"/eform/{ma}"):
            return redirect("/dang-nhap?het-phien=1")
        return here(ma)

    @app.post("/eform/<ma>/luu-nhap")
    def eform_draft(ma):
        """drafts=autosave: the page sends what is typed; the server keeps it for a reload."""
        proc = model.proc_or_none(ma)
        if proc is None or portal.gate(f"/eform/{ma}") is not None:
            return jsonify(ok=False), 404 if proc is None else 401
        n = model.save_draft(proc, model.state(ma), form_input(request.form, "ef_"))
        return jsonify(ok=True, saved=n)

    @app.post("/eform/<ma>/gui")
    def eform_submit(ma):
        proc = model.proc_or_none(ma)
        if proc is None:
            return portal.not_found_service()
        g = portal.gate(f"/eform/{ma}")
        if g is not None:
            return g
        st = model.state(ma)
        if model.first_open_step(st) != LAST_STEP:
            st["cursor"] = model.first_open_step(st)
            return here(ma)
        if model.submit_fails():
            return portal.message("Thực hiện thất bại", SUBMIT_FAILED_TEXT, 500, role="alert",
                                  links=[(f"/eform/{ma}", "Trở lại")])
        d = model.record_dossier(ma, proc, st)
        return portal.page("eform_success.html", title=SUCCESS_TEXT, d=d, proc=proc,
                           progress=K["progress_page"])
