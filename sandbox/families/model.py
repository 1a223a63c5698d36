"""The form model every portal family shares: what each step asks, how it is validated,
the per-session state, the documents an applicant type needs, the summary, the submission's
bookkeeping. A family only renders these and routes requests to them, so one profile knob
behaves the same whatever markup the portal wears."""
from __future__ import annotations

import re
import secrets
import threading
from datetime import datetime

from flask import session

from ..web import date_vn

PHONE_RE = re.compile(r"^0(3|5|7|8|9)\d{8}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
DATE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
PHONE_PATTERN = "0(3|5|7|8|9)[0-9]{8}"
EMAIL_PATTERN = r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+"
MISMATCH_TEXT = "Thông tin không khớp với CSDLQG về dân cư"
CCCD_DOC = {"id": "cccd", "name": "Căn cước công dân (bản chụp)", "required": True}
STEP_TITLES = {1: "Thông tin người yêu cầu", 2: "Thông tin liên hệ", 3: "Nội dung yêu cầu",
               4: "Thành phần hồ sơ", 5: "Xác nhận và nộp hồ sơ"}
LAST_STEP = 5
SIGN_PROVIDERS = ["VNPT-CA", "Viettel-CA", "FPT-CA"]
SUBMIT_FAILED_TEXT = ("Thực hiện thất bại. Đã có lỗi xảy ra trong quá trình nộp hồ sơ, "
                      "vui lòng thử lại sau.")


class FormModel:
    """One unit's forms: knobs, per-session state and the shared rules."""

    def __init__(self, unit, store, citizens: dict, procedures: dict):
        self.unit = unit
        self.K = unit.knobs
        self.store = store
        self.citizens = citizens
        self.procedures = procedures
        self.forms: dict[str, dict] = {}          # sid -> MaTTHC -> form state
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ state
    def sid(self):
        if "sid" not in session:
            session["sid"] = secrets.token_urlsafe(16)
        return session["sid"]

    def state(self, ma):
        with self.lock:
            return self.forms.setdefault(self.sid(), {}).setdefault(
                ma, {"values": {}, "files": {}, "signed": {}, "done": set()})

    def reset_state(self, ma):
        with self.lock:
            self.forms.get(self.sid(), {}).pop(ma, None)

    def citizen_record(self):
        u = session.get("user") or {}
        return self.citizens.get(u.get("SoDinhDanh", ""), u)

    def proc_or_none(self, ma):
        if ma not in self.unit.procedures:
            return None
        return self.procedures.get(ma)

    @staticmethod
    def first_open_step(st):
        for i in range(1, LAST_STEP):
            if i not in st["done"]:
                return i
        return LAST_STEP

    # ------------------------------------------------------------------ documents
    @staticmethod
    def applicant_types(proc):
        return proc.get("applicant_types") or [{"id": "ban-than", "name": "Người yêu cầu"}]

    def documents_for(self, proc, st):
        types = self.applicant_types(proc)
        chosen = st["values"].get("doi_tuong") or types[0]["id"]
        if self.K["guidance"] != "full":
            chosen = types[0]["id"]
        docs = [d for d in proc.get("documents", [])
                if not d.get("applicant_types") or chosen in d["applicant_types"]]
        if self.K["require_cccd_upload"]:
            docs = [CCCD_DOC] + docs
        return docs

    def documents_by_type(self, proc):
        """Every document any applicant type may need, in the form's order, with the types
        that need it (for families that show or hide documents in the browser)."""
        types = [t["id"] for t in self.applicant_types(proc)]
        per_type = {t: [d["id"] for d in self.documents_for(proc, {"values": {"doi_tuong": t}})]
                    for t in types}
        every = ([CCCD_DOC] if self.K["require_cccd_upload"] else []) + list(proc.get("documents", []))
        return [(d, [t for t in types if d["id"] in per_type[t]]) for d in every
                if any(d["id"] in per_type[t] for t in types)]

    # ------------------------------------------------------------------ field models
    def step_fields(self, n, proc, st):
        """The fields of step n, each a dict the template renders."""
        K = self.K
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
            types = self.applicant_types(proc)
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
            for d in self.documents_for(proc, st):
                fields.append({"id": "doc_" + d["id"], "label": d["name"], "type": "file",
                               "required": bool(d.get("required")),
                               "uploaded": st["files"].get("doc_" + d["id"]) if keep else None,
                               "signed": st["signed"].get("doc_" + d["id"]) if keep else None,
                               "esign": K["esign"] != "none"})
        return fields

    def validate(self, n, fields, form, files, st):
        """Returns (values, new_files, errors, form_error)."""
        K = self.K
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
            rec = self.citizen_record()
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

    # ------------------------------------------------------------------ server-side drafts
    def save_draft(self, proc, st, data: dict) -> int:
        """drafts=autosave in the families that keep drafts on the server: what is typed
        (not yet validated) is kept apart from the accepted values, and shown on reload."""
        if self.K["drafts"] != "autosave":
            return 0
        allowed = {f["id"] for i in range(1, 4) for f in self.step_fields(i, proc, st)
                   if f["type"] != "file" and not f.get("readonly")}
        draft = st.setdefault("draft", {})
        n = 0
        for k, v in data.items():
            if k in allowed and isinstance(v, str):
                draft[k] = v.strip()[:500]
                n += 1
        return n

    def shown(self, st):
        """The state as the form shows it: accepted values, overlaid by the autosaved draft."""
        draft = st.get("draft") if self.K["drafts"] == "autosave" else None
        return {**st, "values": {**st["values"], **draft}} if draft else st

    def drop_draft(self, st, ids):
        for k in ids:
            st.get("draft", {}).pop(k, None)

    # ------------------------------------------------------------------ moving on
    def keep_on_back(self, fields, form, st):
        """"Quay lại": what was typed on the step is kept on the server (unless drafts=none)."""
        if self.K["drafts"] != "none":
            for f in fields:
                if f["type"] != "file" and f["id"] in form:
                    st["values"][f["id"]] = form.get(f["id"], "").strip()
                    self.drop_draft(st, [f["id"]])

    def accept_step(self, n, st, values, new_files, signed):
        st["values"].update(values)
        st["files"].update(new_files)
        st["signed"].update({k: v for k, v in signed.items() if k in st["files"]})
        st["done"].add(n)
        self.drop_draft(st, values)

    @staticmethod
    def signed_from(form):
        return {k[len("ky_so_"):]: v for k, v in form.items()
                if k.startswith("ky_so_") and v in SIGN_PROVIDERS}

    def expire_after(self, n, resume_url):
        """The session expires when leaving step n (knob): True when it just did."""
        if self.K["session_expiry_after_step"] == n and not session.get("expired_once"):
            session.pop("user", None)
            session["expired_once"] = True
            session["next"] = resume_url
            return True
        return False

    def slow(self, step):
        slow = self.K["slow_step"]
        if slow and int(slow.get("step", 0)) == step:
            self.store.sleep(float(slow.get("seconds", 0)))

    def summary(self, proc, st):
        rows = []
        labels = {}
        for i in range(1, 4):
            for f in self.step_fields(i, proc, {**st, "values": st["values"]}):
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
        for d in self.documents_for(proc, st):
            up = st["files"].get("doc_" + d["id"])
            txt = up["name"] if up else "(không có)"
            if up and st["signed"].get("doc_" + d["id"]):
                txt += f" — đã ký số ({st['signed']['doc_' + d['id']]})"
            rows.append((d["name"], txt))
        return rows

    # ------------------------------------------------------------------ submission
    def submit_fails(self):
        """The submit_failure knob: True when this submission must fail (counter per unit)."""
        mode = self.K["submit_failure"]
        n = self.store.count(self.unit.id + ":submit")
        return mode == "always" or (mode == "every_2nd" and n % 2 == 0)

    def record_dossier(self, ma, proc, st):
        """Files the dossier, clears the form's state, returns the dossier."""
        unit = self.unit
        ho = session.get("handoff") or {}
        agency = next((a for a in unit.agencies if a["ma"] == ho.get("MaCoQuanThucHien")),
                      unit.agencies[0])
        owner = dict(self.citizen_record())
        owner.pop("password", None)
        d = self.store.new_dossier(unit, ma, owner, st["values"], st["files"])
        d["agency"] = agency
        d["TenTTHC"] = proc["TenTTHC"]
        self.reset_state(ma)
        return d
