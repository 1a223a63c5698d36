"""Write scenarios/<code>.yaml for the procedures the letter checked, one target per unit that
the letter checked it at (sandbox/replica.yaml says which units, on which portal family).

The scenarios are then ordinary, reviewed YAML: this script only saves typing them out for
~80 units. Run it again after changing sandbox/replica.yaml or sandbox/data/procedures.yaml;
tests/sandbox/test_replica_scenarios.py fails while the files are out of date.

    python -m sandbox.make_replica_scenarios [--check]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "scenarios"

HEADER = """\
# {name} (mã TTHC {code}) — written by sandbox/make_replica_scenarios.py from
# sandbox/replica.yaml and sandbox/data/procedures.yaml; edit those and run it again.
# The targets are the units where Công văn 4975/VPCP-KSTT checked this procedure; each names
# its portal's software family (scenarios/families/) and overrides only what differs.
"""

#: What a citizen types into a request field of each type.
SAMPLE_TEXT = "Bổ sung hồ sơ theo yêu cầu"


def _step3_fill(proc: dict) -> tuple[dict, dict]:
    fields, fill = {}, {}
    for f in proc.get("fields", []):
        kind = f.get("type", "text")
        spec: dict = {"label": f["label"]}
        if kind == "select":
            spec["kind"] = "select"
            value = (f.get("options") or [""])[0]
        elif kind == "number":
            value = int(f.get("default") or f.get("min") or 1)
        elif kind == "date":
            spec["kind"] = "date"
            value = "01/01/2020"
        else:
            value = f.get("sample") or SAMPLE_TEXT
        if not f.get("required", True):
            spec["required"] = False
        fields[f["id"]] = spec
        fill[f["id"]] = value
    return fields, fill


def _documents(proc: dict) -> tuple[dict, dict]:
    """The documents the first applicant type must attach (what the walk uploads)."""
    first_type = ((proc.get("applicant_types") or [{}])[0]).get("id")
    fields, fill = {}, {}
    for d in proc.get("documents", []):
        if not d.get("required"):
            continue
        if d.get("applicant_types") and first_type not in d["applicant_types"]:
            continue
        key = "doc_" + d["id"]
        fields[key] = {"label": d["name"], "kind": "file"}
        fill[key] = d["id"].replace("_", "-") + ".pdf"
    return fields, fill


def scenario_for(proc: dict, targets: list[dict]) -> dict:
    request_fields, request_fill = _step3_fill(proc)
    doc_fields, doc_fill = _documents(proc)
    # The draft probe types a marker into a free-text field of the request.
    text_ids = [f["id"] for f in proc.get("fields", []) if f.get("type", "text") in ("text", "textarea")]
    draft_field = next(iter(text_ids), None)
    fields = {
        "ho_ten": {"label": "Họ và tên", "expect": "HoVaTen", "kind": "identity"},
        "ngay_sinh": {"label": "Ngày sinh", "expect": "NgayThangNamSinh", "format": "dd/mm/yyyy", "kind": "identity"},
        "so_dinh_danh": {"label": "Số định danh cá nhân", "expect": "SoDinhDanh", "kind": "identity"},
        "gioi_tinh": {"label": "Giới tính", "expect": "GioiTinh", "kind": "select"},
        "dia_chi": {"label": "Địa chỉ thường trú", "expect": "ThuongTru"},
        "so_dien_thoai": {"label": "Số điện thoại", "kind": "phone"},
        "thu_dien_tu": {"label": "Thư điện tử", "kind": "email"},
        **request_fields, **doc_fields,
    }
    data: dict = {
        "code": proc["MaTTHC"], "name": proc["TenTTHC"], "citizen": "cong-dan-1",
        "thresholds": {
            # The letter flags screen transitions over 15 s. The replica's slow portals answer
            # in seconds, not tens of seconds, so nightly runs stay short: the threshold is
            # scaled with them. Against real portals, set 15 in the environment's scenarios.
            "response_time_s": 4,
            # Hand-off and submission are tried twice, as the inspectors did where it failed
            # "thỉnh thoảng": one try cannot tell a steady portal from an unsteady one.
            "repeats": 2, "navigation_timeout_s": 20},
        "form": {
            "fields": fields,
            # The procedure's logical steps; each portal family groups them on its screens
            # and supplies its own buttons (scenarios/families/).
            "steps": [
                {"name": "Thông tin người yêu cầu", "fields": ["ho_ten", "ngay_sinh", "so_dinh_danh", "gioi_tinh", "dia_chi"],
                 "next": "Tiếp tục"},
                {"name": "Thông tin liên hệ", "fill": {"so_dien_thoai": "{citizen.SoDienThoai}",
                                                         "thu_dien_tu": "{citizen.ThuDienTu}"}, "next": "Tiếp tục"},
                {"name": "Nội dung yêu cầu", "fill": request_fill, "next": "Tiếp tục"},
                {"name": "Thành phần hồ sơ", "fill": doc_fill, "next": "Tiếp tục"},
                {"name": "Xác nhận và nộp hồ sơ", "submit": "Nộp hồ sơ"},
            ],
        },
        "probes": {
            "guidance": {"applicant_type": "Đối tượng thực hiện", "documents_step": "Thành phần hồ sơ"},
        },
        "targets": targets,
    }
    if not request_fill:
        del data["form"]["steps"][2]["fill"]
    if not doc_fill:
        del data["form"]["steps"][3]["fill"]
    if draft_field:
        data["probes"]["draft_persistence"] = {"step": "Nội dung yêu cầu", "field": draft_field}
    return data


#: What a tester writes for a portal that makes a signed-in citizen create a local account or
#: change a password before the form (the letter's inspectors had to do it to go on). The
#: checks still judge those pages from what the browser saw; these steps only get past them.
REGISTER = [{"fill": {"label": "Tên đăng nhập", "value": "kiemtra.{code}"}},
            {"fill": {"label": "Mật khẩu", "value": "KiemTra@2025"}},
            {"fill": {"label": "Nhập lại mật khẩu", "value": "KiemTra@2025"}},
            {"click": "Đăng ký"}]
CHANGE_PASSWORD = [{"fill": {"label": "Mật khẩu mới", "value": "KiemTra@2025"}},
                   {"fill": {"label": "Nhập lại mật khẩu mới", "value": "KiemTra@2025"}},
                   {"click": "Đổi mật khẩu"}]


def targets_by_code(replica: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for unit in replica["units"]:
        knobs = unit.get("knobs") or {}
        target = {"id": unit["id"], "unit": unit["id"], "family": knobs.get("family", "paged")}
        if knobs.get("require_registration"):
            target["unit_login"] = REGISTER
        elif knobs.get("require_password_change"):
            target["unit_login"] = CHANGE_PASSWORD
        for code in unit.get("checked") or unit.get("procedures") or []:
            out.setdefault(str(code), []).append(dict(target))
    return out


class _Dumper(yaml.SafeDumper):
    """Block style for the structure, one line for a field, a target or a list of ids."""


def _represent_dict(dumper, data):
    flat = all(not isinstance(v, (dict, list)) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flat and len(data) <= 4)


def _represent_list(dumper, data):
    flat = all(not isinstance(v, (dict, list)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def render() -> dict[Path, str]:
    replica = yaml.safe_load((HERE / "replica.yaml").read_text(encoding="utf-8"))
    procedures = {str(p["MaTTHC"]): p for p in
                  yaml.safe_load((HERE / "data" / "procedures.yaml").read_text(encoding="utf-8"))}
    files = {}
    for code, targets in sorted(targets_by_code(replica).items()):
        proc = procedures[code]
        body = yaml.dump(scenario_for(proc, targets), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=200)
        files[OUT / f"{code}.yaml"] = HEADER.format(name=proc["TenTTHC"], code=code) + body
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the files are up to date")
    args = parser.parse_args(argv)
    files = render()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in stale:
            print(f"lỗi thời: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for p in stale:
        p.write_text(files[p], encoding="utf-8")
        print(f"đã ghi {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
