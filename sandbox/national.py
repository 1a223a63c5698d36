"""The national portal (Cổng Dịch vụ công quốc gia): catalog, procedure pages, the
"Nộp trực tuyến" hand-off to unit portals, the citizen's personal data store."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import abort, jsonify, redirect, render_template, request, session

from .config import Unit
from .oidc_client import finish_login, register_client
from .store import Store
from .web import base_app


def handoff_params(unit: Unit, ma: str, agency: str | None = None) -> dict:
    codes = [a["ma"] for a in unit.agencies]
    return {"MaTTHC": ma, "MaTTHCDP": f"{ma}.{unit.code}",
            "MaCoQuanThucHien": agency if agency in codes else codes[0],
            "MaDVC": f"{unit.code}-{ma.replace('.', '')}", "vneid": "1"}


def handoff_url(unit: Unit, ma: str, agency: str | None = None, base_url: str | None = None) -> str:
    """The unit's hand-off address; `base_url` stands in for the unit's own when the
    national portal's link for this service points somewhere else (a misroute)."""
    return (base_url or unit.base_url) + "/dvc/tiep-nhan?" + urlencode(handoff_params(unit, ma, agency))


def make_national_app(store: Store, units: list[Unit], procedures: dict, idp_url: str,
                      client_id: str, client_secret: str, base_url: str):
    app = base_app("national")
    app.config["SESSION_COOKIE_NAME"] = "dvcqg_session"
    vneid = register_client(app, idp_url, client_id, client_secret)
    by_id = {u.id: u for u in units}
    # What the national portal lists, indexed once (the replica's units list ~33,000
    # procedures): code -> units declaring it full-online (a "Nộp trực tuyến" link; some of
    # which their own system may not have: see sandbox/catalog.py), and code -> units listing
    # it without a link (not full-online, the replica only).
    online_by_code: dict[str, list[Unit]] = {}
    listed_by_code: dict[str, list[Unit]] = {}
    for u in units:
        for ma in dict.fromkeys(u.declared):
            online_by_code.setdefault(ma, []).append(u)
        for ma in dict.fromkeys(u.listed):
            listed_by_code.setdefault(ma, []).append(u)
    cached: dict[tuple, str] = {}

    def offering(ma):
        return online_by_code.get(ma, [])

    def link(unit, ma, agency=None):
        other = by_id.get(unit.misroute.get(ma, ""))
        return handoff_url(unit, ma, agency, other.base_url if other else None)

    def page(template, status=200, **ctx):
        ctx.setdefault("site", "Cổng Dịch vụ công quốc gia")
        ctx.setdefault("mobile", True)
        ctx.setdefault("user", session.get("user"))
        ctx.setdefault("nav", "national")
        return render_template(template, **ctx), status

    def safe_next(nxt):
        return nxt if nxt and nxt.startswith("/") and not nxt.startswith("//") else "/"

    @app.get("/")
    def home():
        return page("nat_home.html", title="Trang chủ",
                    procs=[p for ma, p in procedures.items() if not p.get("generated") and offering(ma)])

    @app.get("/dang-nhap")
    def login():
        session["next"] = safe_next(request.args.get("next"))
        return vneid.authorize_redirect(base_url + "/oidc/callback")

    @app.get("/oidc/callback")
    def callback():
        try:
            user = finish_login(vneid)
        except Exception as e:  # noqa: BLE001
            app.logger.warning("sign-in failed: %r", e)
            return page("message.html", 400, title="Đăng nhập không thành công",
                        text="Không xác thực được với VNeID. Vui lòng thử lại.", role="alert",
                        links=[("/dang-nhap", "Đăng nhập")])
        session["user"] = user
        return redirect(safe_next(session.pop("next", "/")))

    @app.get("/dang-xuat")
    def logout():
        session.clear()
        return redirect(idp_url + "/logout?" + urlencode({"post_logout_redirect_uri": base_url + "/"}))

    @app.get("/thu-tuc/<ma>")
    def procedure(ma):
        proc = procedures.get(ma) or abort(404)
        us = offering(ma)
        chosen = by_id.get(request.args.get("unit", "")) or (us[0] if us else None)
        agencies = {u.id: u.agencies for u in us}
        return page("nat_procedure.html", title=proc["TenTTHC"], proc=proc, units=us,
                    chosen=chosen, agencies_json=json.dumps(agencies, ensure_ascii=False))

    @app.get("/thu-tuc/<ma>/nop-truc-tuyen")
    def submit_online(ma):
        if ma not in procedures:
            abort(404)
        unit = by_id.get(request.args.get("unit", ""))
        if unit is None or unit not in offering(ma):
            return page("message.html", 400, title="Chưa chọn đơn vị",
                        text="Vui lòng chọn Tỉnh/Thành phố, Bộ ngành thực hiện thủ tục.",
                        role="alert", links=[(f"/thu-tuc/{ma}", "Quay lại")])
        if not session.get("user"):
            return redirect("/dang-nhap?" + urlencode({"next": request.full_path}))
        return redirect(link(unit, ma, request.args.get("agency")))

    def catalog(unit_id: str | None = None, everything: bool = False) -> list[dict]:
        """The catalog: every procedure some unit declares full-online, each unit with its
        hand-off link (`toan_trinh: true`); with `everything`, also the procedures units list
        without a link (`toan_trinh: false`, `handoff_url: null`)."""
        out = []
        for ma, p in procedures.items():
            entries = [{"unit": u.id, "name": u.national_name, "handoff_url": link(u, ma), "toan_trinh": True}
                       for u in offering(ma) if unit_id in (None, u.id)]
            if everything:
                entries += [{"unit": u.id, "name": u.national_name, "handoff_url": None, "toan_trinh": False}
                            for u in listed_by_code.get(ma, []) if unit_id in (None, u.id)]
            if entries:
                out.append({"MaTTHC": ma, "TenTTHC": p["TenTTHC"], "units": entries})
        return out

    def catalog_args():
        unit_id = request.args.get("unit") or None
        if unit_id is not None and unit_id not in by_id:
            abort(404)
        return unit_id, request.args.get("muc_do") == "tat_ca"

    @app.get("/danh-muc")
    def catalog_page():
        unit_id, everything = catalog_args()
        # the page shows the full-online services (with "Nộp trực tuyến"), as before
        return page("nat_catalog.html", title="Danh mục thủ tục hành chính", catalog=catalog(unit_id))

    @app.get("/api/danh-muc")
    def catalog_api():
        """?unit=<id>: one unit's; ?muc_do=tat_ca: also the procedures listed without a
        full-online link. The answer is built once per query (the catalog never changes)."""
        key = catalog_args()
        if key not in cached:
            cached[key] = json.dumps(catalog(*key), ensure_ascii=False)
        return app.response_class(cached[key], mimetype="application/json")

    @app.get("/api/don-vi")
    def units_api():
        """Every unit the national portal knows, with how many procedures it lists and how
        many of them are full-online (links): a unit that lists none still appears here."""
        return jsonify([{"unit": u.id, "name": u.national_name, "section": u.section or None, "stt": u.stt,
                         "agencies": u.agencies,
                         "tong_so_tthc": len(set(u.declared) | set(u.listed)),
                         "so_dvctt_toan_trinh": len(set(u.declared))}
                        for u in units])

    @app.get("/kho-du-lieu")
    def data_store():
        if not session.get("user"):
            return redirect("/dang-nhap?" + urlencode({"next": "/kho-du-lieu"}))
        items = store.kho.get(session["user"]["SoDinhDanh"], [])
        return page("nat_kho.html", title="Kho dữ liệu cá nhân", items=items)

    @app.get("/ho-so-cua-toi")
    def my_dossiers():
        if not session.get("user"):
            return redirect("/dang-nhap?" + urlencode({"next": "/ho-so-cua-toi"}))
        so = session["user"]["SoDinhDanh"]
        items = [(d, by_id[d["unit"]]) for d in store.dossiers.values()
                 if d["owner"].get("SoDinhDanh") == so and d["unit"] in by_id]
        return page("nat_dossiers.html", title="Hồ sơ của tôi", items=items)

    return app
