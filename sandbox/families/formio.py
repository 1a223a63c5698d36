"""The `formio` family: a Form.io-style wizard. One HTML page holds every panel; a small
script (sandbox/static/formio-lite.js) shows one panel at a time and talks JSON to the
server, which validates each panel with the shared model (same rules as `paged`)."""
from __future__ import annotations

from flask import abort, jsonify, request

from . import form_input
from .model import LAST_STEP, SIGN_PROVIDERS, SUBMIT_FAILED_TEXT

# Panel title -> the model's steps it shows (the 5 logical steps on 4 screens).
PANELS = [("Người nộp hồ sơ", (1, 2)), ("Nội dung yêu cầu", (3,)),
          ("Giấy tờ kèm theo", (4,)), ("Xem lại và gửi", (5,))]
LAST_PANEL = len(PANELS)
NOT_READY_TEXT = "Vui lòng hoàn thành các bước trước khi gửi hồ sơ."


def panel_of(step: int) -> int:
    return next(i for i, (_, steps) in enumerate(PANELS, 1) if step in steps)


def register(portal):
    app, model, K = portal.app, portal.model, portal.K

    def api_gate(ma):
        """Like the pages' gate, but a script gets JSON telling it where to go."""
        g = portal.gate(f"/form/{ma}")
        if g is None:
            return None
        return jsonify(ok=False, redirect=g.location,
                       form_error="Phiên làm việc đã hết hạn, vui lòng đăng nhập lại."), 401

    def documents(proc, st):
        """The documents panel: every document any applicant type may need, shown or hidden
        by the chosen type in the browser (Form.io's conditional components)."""
        shown = {d["id"] for d in model.documents_for(proc, st)}
        keep = K["drafts"] != "none"
        out = []
        for d, types in model.documents_by_type(proc):
            fid = "doc_" + d["id"]
            out.append({"id": fid, "label": d["name"], "type": "file",
                        "required": bool(d.get("required")),
                        "uploaded": st["files"].get(fid) if keep else None,
                        "signed": st["signed"].get(fid) if keep else None,
                        "esign": K["esign"] != "none", "types": types,
                        "hidden": d["id"] not in shown})
        return out

    def panels(proc, st):
        view = model.shown(st)
        out = []
        for title, steps in PANELS:
            fields = []
            for s in steps:
                if s == 4:
                    fields += documents(proc, view)
                elif s < LAST_STEP:
                    fields += model.step_fields(s, proc, view)
            out.append({"title": title, "steps": steps, "fields": fields})
        return out

    @app.get("/form/<ma>")
    def formio_form(ma):
        proc = model.proc_or_none(ma)
        g = portal.gate(request.path)
        if g is not None:
            return g
        if proc is None:
            return portal.not_found_service()
        st = model.state(ma)
        current = panel_of(model.first_open_step(st))
        for s in PANELS[current - 1][1]:
            model.slow(s)
        done = model.first_open_step(st) == LAST_STEP
        return portal.page("formio_form.html", proc=proc, ma=ma, panels=panels(proc, st),
                           current=current, last=LAST_PANEL, knobs=K, errors={},
                           providers=SIGN_PROVIDERS, title=proc["TenTTHC"],
                           summary=model.summary(proc, st) if done else [])

    @app.post("/api/form/<ma>/panel/<int:k>")
    def formio_panel(ma, k):
        proc = model.proc_or_none(ma)
        if proc is None:
            return jsonify(ok=False, form_error="Không tìm thấy thủ tục."), 404
        if not 1 <= k < LAST_PANEL:
            abort(404)
        g = api_gate(ma)
        if g is not None:
            return g
        st = model.state(ma)
        steps = PANELS[k - 1][1]
        data = form_input(request.form, "data[", "]")
        files = form_input(request.files, "data[", "]")
        if request.form.get("action") == "back":
            for s in steps:
                model.keep_on_back(model.step_fields(s, proc, st), data, st)
            return jsonify(ok=True, panel=max(1, k - 1))
        if min(steps) > model.first_open_step(st):
            return jsonify(ok=False, errors={}, form_error=NOT_READY_TEXT,
                           panel=panel_of(model.first_open_step(st))), 409
        results, errors, form_error = [], {}, None
        for s in steps:
            values, new_files, errs, ferr = model.validate(s, model.step_fields(s, proc, st),
                                                           data, files, st)
            results.append((s, values, new_files))
            errors.update(errs)
            form_error = form_error or ferr
        if errors:
            return jsonify(ok=False, errors=errors, form_error=form_error), 400
        signed = model.signed_from(request.form)
        for s, values, new_files in results:
            model.accept_step(s, st, values, new_files, signed)
        for s in steps:
            if model.expire_after(s, f"/form/{ma}"):
                return jsonify(ok=True, redirect="/dang-nhap?het-phien=1")
        for s in PANELS[k][1]:
            model.slow(s)
        uploaded = {fid: f["name"] for fid, f in st["files"].items()}
        return jsonify(ok=True, panel=k + 1, uploaded=uploaded,
                       summary=model.summary(proc, st))

    @app.post("/api/form/<ma>/draft")
    def formio_draft(ma):
        proc = model.proc_or_none(ma)
        if proc is None:
            return jsonify(ok=False), 404
        g = api_gate(ma)
        if g is not None:
            return g
        n = model.save_draft(proc, model.state(ma), form_input(request.form, "data[", "]"))
        return jsonify(ok=True, saved=n)

    @app.post("/api/form/<ma>/submission")
    def formio_submission(ma):
        proc = model.proc_or_none(ma)
        if proc is None:
            return jsonify(ok=False, form_error="Không tìm thấy thủ tục."), 404
        g = api_gate(ma)
        if g is not None:
            return g
        st = model.state(ma)
        if model.first_open_step(st) != LAST_STEP:
            return jsonify(ok=False, form_error=NOT_READY_TEXT,
                           panel=panel_of(model.first_open_step(st))), 409
        if model.submit_fails():
            return jsonify(ok=False, form_error=SUBMIT_FAILED_TEXT), 500
        d = model.record_dossier(ma, proc, st)
        return jsonify(ok=True, MaHoSo=d["code"], TrangThai=d["status"], MaTTHC=ma,
                       TenTTHC=proc["TenTTHC"], CoQuanTiepNhan=d["agency"]["ten"],
                       TheoDoi=f"/ho-so/{d['code']}" if K["progress_page"] else None)
