"""Write sandbox/replica.yaml: one sandbox unit portal per unit of Công văn 4975/VPCP-KSTT.

    python -m sandbox.make_replica [--letter engine/data/letter_4975.yaml] [--out sandbox/replica.yaml] [--check]

Reads the letter's findings as data (engine/data/letter_4975.yaml: per unit total/provided,
the procedures checked, criterion -> pass|fail|partial + quote) and maps each stated finding
to the knobs that make a sandbox portal behave as the letter describes, the lab's one-defect
profiles (profiles.yaml) being the reference for which knob gives which verdict. Where the
letter says nothing on a criterion, the portal conforms. The output is committed and
reviewed: every knob carries, as a comment, the letter's words it stands for. Deterministic:
the same letter gives the same file byte for byte (`--check` says whether the file is up to
date and writes nothing).

The sandbox imports nothing of the engine: this script reads the letter's YAML by path.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LETTER = ROOT / "engine" / "data" / "letter_4975.yaml"
OUT = HERE / "replica.yaml"
PROCEDURES = HERE / "data" / "procedures.yaml"
FAMILIES = ("paged", "formio", "eform")

#: Procedures the letter names by title only -> the code the replica uses.
CHECKED_NAMES = {
    "Cấp giấy xác nhận tình trạng hôn nhân": "1.004873",
    "Xác nhận tình trạng hôn nhân": "1.004873",
    "Cấp bản sao Trích lục hộ tịch": "2.000635",
    "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc": "2.001914",
    "Cấp chứng chỉ hành nghề kiến trúc": "1.009975",
    # 1.004194 is "Đăng ký tạm trú"; the residence confirmation is 1.010041
    "Xác nhận thông tin cư trú": "1.010041",
}

#: A ministry the letter names no procedure for: a plausible full-online service of its own
#: (Bộ Xây dựng: the code its narrative cites as not workable).
MINISTRY_PROCEDURE = {
    2: "2.001236", 3: "1.005226", 4: "1.012889", 5: "1.003436", 6: "2.001714", 7: "1.001853",
    9: "1.002351", 10: "1.007744", 13: "1.012268", 14: "1.010524", 15: "2.002185", 16: "1.001085",
}
PROVINCE_PROCEDURE = "2.000635"

#: The ministries' departments (agencies on the national portal's "Cơ quan thực hiện").
MINISTRY_AGENCIES = {
    1: ["Cục Cảnh sát quản lý hành chính về trật tự xã hội", "Công an cấp tỉnh", "Công an cấp xã"],
    2: ["Cục Xuất nhập khẩu", "Cục Hóa chất"],
    3: ["Cục Quản lý chất lượng", "Cục Hợp tác quốc tế"],
    4: ["Cục Kinh tế - Quản lý đầu tư xây dựng", "Cục Đường bộ Việt Nam"],
    5: ["Cục Bưu điện Trung ương", "Cục Sở hữu trí tuệ"],
    6: ["Cục Lãnh sự", "Sở Ngoại vụ Thành phố Hồ Chí Minh"],
    7: ["Cục Việc làm", "Cục Tiền lương và Bảo hiểm xã hội"],
    8: ["Cục Môi trường", "Cục Quản lý đất đai"],
    9: ["Cục Quân lực", "Ban Chỉ huy quân sự cấp xã"],
    10: ["Cục Thuế", "Cục Hải quan", "Cục Quản lý đăng ký kinh doanh"],
    11: ["Cục Đăng ký quốc gia giao dịch bảo đảm", "Trung tâm Lý lịch tư pháp quốc gia"],
    12: ["Cục Điện ảnh", "Cục Du lịch quốc gia Việt Nam"],
    13: ["Cục Quản lý Khám, chữa bệnh", "Cục Quản lý Dược"],
    14: ["Trung tâm Thông tin tín dụng Quốc gia Việt Nam", "Vụ Thanh toán"],
    15: ["Vụ Tiếp công dân và Xử lý đơn", "Cục Giải quyết khiếu nại, tố cáo"],
    16: ["Ban Tôn giáo Chính phủ", "Vụ Chính sách dân tộc"],
}

#: Names retired in 2025 as the letter quotes them -> the name the portal still shows.
RETIRED = {
    "Bộ Thông tin và Truyền thông": "Bộ Thông tin và Truyền thông",
    "Bộ LĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
}

#: Seconds of a slow screen. The letter flags transitions over 15 s; the replica is slow at a
#: smaller scale so that a night's run stays short, and its scenarios scale the threshold with
#: it (response_time_s: 4 in scenarios/*.yaml, written by make_replica_scenarios.py).
SLOW_SECONDS = 6
#: Share of a unit's generated full-online services on a second system (single_system fail).
SECOND_SYSTEM_SHARE = 0.3


def slug(text: str) -> str:
    """The contract's slug rule: NFD-strip diacritics, đ -> d, lower case, runs of anything
    else -> "-"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def unit_id(entry: dict) -> str:
    name = entry["name"]
    if entry["section"] == "dia_phuong":
        name = re.sub(r"^(TP|Tỉnh)\s+", "", name)
    return slug(name)


def short_name(entry: dict) -> str:
    """"tỉnh Bắc Giang", "thành phố Cần Thơ" (as in an agency's name)."""
    name = entry["name"]
    if name.startswith("TP "):
        return "thành phố " + name[3:]
    if name.startswith("Tỉnh "):
        return "tỉnh " + name[5:]
    return name


def unit_code(entry: dict) -> str:
    return ("B" if entry["section"] == "bo" else "P") + f"{entry['stt']:02d}"


def agencies(entry: dict, code: str) -> list[dict]:
    if entry["section"] == "bo":
        names = MINISTRY_AGENCIES[entry["stt"]]
        return [{"ma": f"{code}-{k + 1:02d}", "ten": n} for k, n in enumerate(names)]
    where = short_name(entry)
    return [{"ma": f"{code}-STP", "ten": f"Sở Tư pháp {where}"},
            {"ma": f"{code}-UBX", "ten": "Ủy ban nhân dân cấp xã"},
            {"ma": f"{code}-HCC", "ten": f"Trung tâm Phục vụ hành chính công {where}"}]


def checked_codes(entry: dict) -> list[str]:
    codes = [str(c) for c in entry.get("checked") or []]
    for title in entry.get("checked_names") or []:
        if title not in CHECKED_NAMES:
            raise SystemExit(f"make_replica: {entry['name']}: no code for the checked procedure {title!r}")
        codes.append(CHECKED_NAMES[title])
    if not codes:
        codes = [MINISTRY_PROCEDURE[entry["stt"]] if entry["section"] == "bo" else PROVINCE_PROCEDURE]
    return list(dict.fromkeys(codes))


class Replica:
    """The knobs of one unit and, for each, the letter's words (criterion, verdict, quote)."""

    FORM_CRITERIA = ("autofill", "no_redundant_documents", "eform", "esign", "input_validation",
                     "identity_crosscheck", "required_fields", "draft_persistence", "guidance",
                     "mobile_layout", "response_time", "stability", "progress_notification",
                     "result_storage", "privacy", "identity_account", "branding")

    def __init__(self, entry: dict, position: int):
        self.entry = entry
        self.findings = {k: v for k, v in entry["findings"].items() if k != "other"}
        self.knobs: list[tuple[str, object, list[str]]] = []   # (knob, value, why)
        self.catalog_notes: list[str] = []
        self.notes: list[str] = []       # stated findings that need no knob or cannot be made
        self.codes = checked_codes(entry)
        self.served = list(self.codes)
        self.services: dict[str, str] = {}
        self.online = True
        self.second_share = 0.0
        self.family = FAMILIES[position % len(FAMILIES)]
        self.build()

    # -- helpers
    def why(self, criterion: str) -> str:
        f = self.findings[criterion]
        return f"{criterion} ({f['verdict']}): “{f['quote']}”"

    def verdict(self, criterion: str) -> str | None:
        f = self.findings.get(criterion)
        return f["verdict"] if f else None

    def set(self, knob: str, value, criterion: str, extra: str = ""):
        reason = self.why(criterion) + (f" — {extra}" if extra else "")
        for i, (k, v, whys) in enumerate(self.knobs):
            if k == knob:
                if v != value:
                    raise SystemExit(f"make_replica: {self.entry['name']}: knob {knob} = {v!r} and {value!r}")
                whys.append(reason)
                return
        self.knobs.append((knob, value, [reason]))

    def note(self, criterion: str, text: str):
        self.notes.append(f"{self.why(criterion)} — {text}")

    # -- the mapping
    def build(self):
        v, e = self.verdict, self.entry
        notes = " ".join(e.get("notes") or [])
        # criteria judged on the form itself (the header and the login page need no form)
        form_findings = [c for c in self.FORM_CRITERIA if c in self.findings
                         and c not in ("branding", "identity_account")]

        # sign-in: what the citizen met after "Nộp trực tuyến"
        gate = False
        if v("sso") == "fail":
            quote = self.findings["sso"]["quote"].lower()
            if "đổi mật khẩu" in quote:
                self.set("login", "local_login", "sso", "đăng nhập lại trên trang của đơn vị")
                self.set("require_password_change", True, "sso", "trang “Đổi mật khẩu” chặn trước dịch vụ")
                gate = True
            elif "tài khoản" in quote:
                self.set("require_registration", True, "sso", "trang “Đăng ký tài khoản” sau khi đăng nhập bằng VNeID")
                gate = True
                if "Chưa tự động đăng nhập" in notes:
                    self.set("login", "local_login", "sso", "ghi chú của thư: “Chưa tự động đăng nhập khi điều hướng”")
            elif "cung cấp lại" in quote or "khai báo lại" in quote:
                self.set("login", "local_login", "sso",
                         "gần đúng nhất: trang đăng nhập của đơn vị đòi nhập lại số định danh và mật khẩu")
            else:
                self.set("login", "local_login", "sso", "trang đăng nhập riêng của đơn vị sau khi điều hướng")
        elif v("sso") == "pass":
            self.note("sso", "mặc định (SSO)")
        if v("identity_account") == "fail":
            self.set("local_accounts", True, "identity_account", "trang đăng nhập có tài khoản riêng")

        # the form
        simple = {
            ("autofill", "fail"): [("prefill", False)],
            ("no_redundant_documents", "fail"): [("require_cccd_upload", True)],
            ("eform", "fail"): [("eform", False)],
            ("esign", "fail"): [("esign", "none")],
            ("esign", "partial"): [("esign", "broken")],
            ("input_validation", "fail"): [("phone_validation", "none"), ("email_validation", "none")],
            ("identity_crosscheck", "fail"): [("identity_crosscheck", False)],
            ("required_fields", "fail"): [("required_checks", False)],
            ("draft_persistence", "fail"): [("drafts", "none")],
            ("guidance", "fail"): [("guidance", "none")],
            ("guidance", "partial"): [("guidance", "same_documents")],
            ("mobile_layout", "fail"): [("mobile", False)],
            ("progress_notification", "fail"): [("progress_page", False)],
            ("progress_notification", "partial"): [("progress_frozen", True)],
            ("result_storage", "fail"): [("result_storage", "none")],
            ("result_storage", "partial"): [("result_storage", "unsigned")],
            ("privacy", "fail"): [("public_lookup", "full_details")],
        }
        for criterion in self.FORM_CRITERIA:
            verdict = v(criterion)
            if verdict is None:
                continue
            if (criterion, verdict) in simple:
                for knob, value in simple[(criterion, verdict)]:
                    self.set(knob, value, criterion)
            elif verdict == "pass":
                self.note(criterion, "mặc định (đạt)")
        if v("esign") == "partial" and "hoạt động" not in self.findings["esign"]["quote"]:
            self.notes.append(f"esign: “{self.findings['esign']['quote']}” — ký số hỏng (broken) là gần đúng nhất: "
                              "không có núm nào cho “ít nhà cung cấp” hay “khó tìm”")
        if v("esign") == "partial" and "hạn chế về số lượng" in self.findings["esign"]["quote"]:
            self.notes.append("esign: “hạn chế về số lượng” — ký số hỏng (broken) là gần đúng nhất")
        if v("response_time") == "fail":
            # "Đang tạo hồ sơ" for a long time: the last screen, where the dossier is made
            step = 5 if "tạo hồ sơ" in self.findings["response_time"]["quote"] else 2
            self.set("slow_step", {"step": step, "seconds": SLOW_SECONDS}, "response_time",
                     f"chuyển sang bước {step} mất {SLOW_SECONDS} giây")
        if v("stability") == "fail":
            quote = self.findings["stability"]["quote"]
            mode = "always" if "liên tục" in quote else "every_2nd"
            self.set("submit_failure", mode, "stability",
                     "mọi lần nộp đều lỗi" if mode == "always" else
                     "mỗi lần nộp thứ hai lỗi (công cụ chấm “một phần” khi nộp lặp lại)")
        if v("branding") == "fail":
            quote = self.findings["branding"]["quote"]
            old = next((full for short, full in RETIRED.items() if short in quote), None)
            if old is None:
                raise SystemExit(f"make_replica: {e['name']}: no retired name in {quote!r}")
            self.set("header_name", old, "branding")

        # the hand-off and the service
        if v("redirect") == "fail":
            for code in self.codes:
                self.services[code] = "home"
            self.catalog_notes.append(self.why("redirect") + " — hand-off của thủ tục đã kiểm tra về trang chủ")
        elif v("redirect") == "partial":
            self.set("handoff", "flaky", "redirect", "cứ 2 lần điều hướng thì 1 lần về trang chủ")
            self.set("handoff_flaky_every", 2, "redirect", "hai lần thử (repeats: 2) đủ thấy một lần lỗi")
        elif v("redirect") == "pass":
            self.note("redirect", "mặc định (đạt)")
        if v("service_exists") == "fail":
            code = next((c for c in self.codes if c in notes), self.codes[0])
            self.services[code] = "not_found"
            self.catalog_notes.append(self.why("service_exists") + f" — {code}: sau đăng nhập báo thủ tục không tồn tại")
        if v("service_usable") == "fail" and not gate:
            if form_findings or v("sso") == "fail":
                # the form is there (the letter judged it) but the service cannot be done
                if v("stability") is None:
                    self.set("submit_failure", "always", "service_usable",
                             "nộp hồ sơ luôn lỗi (kéo theo stability chưa đạt)")
                else:
                    self.knobs[[k for k, _, _ in self.knobs].index("submit_failure")][2].append(
                        self.why("service_usable"))
            else:
                # nothing of the form was judged: the unit's system does not have the service
                for code in self.codes:
                    self.services[code] = "home"
                self.served = []
                self.catalog_notes.append(self.why("service_usable") + " — hệ thống của đơn vị không có thủ tục; "
                                          "hand-off về trang chủ")
        elif v("service_usable") == "fail" and gate:
            # past the account the unit imposes, the service still cannot be done
            self.set("submit_failure", "always", "service_usable",
                     "sau trang chặn (đăng ký tài khoản/đổi mật khẩu) nộp hồ sơ vẫn lỗi")
        elif v("service_usable") == "partial":
            self.note("service_usable", "trang chặn (đăng ký tài khoản/đổi mật khẩu): dịch vụ chỉ thực hiện được "
                                        "sau khi vượt trang chặn (công cụ chấm “một phần”)")
        if v("single_system") == "fail":
            self.second_share = SECOND_SYSTEM_SHARE
            self.catalog_notes.append(self.why("single_system") + f" — {int(SECOND_SYSTEM_SHARE * 100)} % DVCTT "
                                      "được tạo ra nằm trên hệ thống thứ hai")
        if v("provided_on_portal") == "fail":
            if e["provided"] == 0 and v("service_usable") is None:
                self.online = False
                self.catalog_notes.append(self.why("provided_on_portal") + " — không DVCTT toàn trình nào trên "
                                          "Cổng DVCQG (thủ tục chỉ vào được bằng địa chỉ trực tiếp)")
            else:
                self.catalog_notes.append(self.why("provided_on_portal") + " — liên kết duy nhất không dẫn tới "
                                          "dịch vụ nào: 0 DVCTT thực hiện được")
        elif v("provided_on_portal") == "pass":
            self.note("provided_on_portal", "mặc định (đạt)")
        if e["provided"] == 0 and self.online and all(c in self.served and c not in self.services for c in self.codes):
            self.catalog_notes.append(f"bảng của thư: {e['provided']}/{e['total']} DVCTT, nhưng phần nhận xét đánh giá "
                                      "một dịch vụ được điều hướng từ Cổng DVCQG: thủ tục đã kiểm tra vẫn có liên kết "
                                      "“Nộp trực tuyến” (lượt quét đếm 1 DVCTT)")

    # -- output
    def lines(self, procedures: dict) -> list[str]:
        e = self.entry
        code = unit_code(e)
        out = [f"  # ---- {e['section']} {e['stt']}. {e['name']} — {e['provided']}/{e['total']} DVCTT toàn trình "
               f"({e['rate']}) ----"]
        for n in self.notes:
            out.append(f"  # {n}")
        out.append(f"  - id: {unit_id(e)}")
        out.append(f"    name: {q(e['name'])}")
        out.append(f"    section: {e['section']}")
        out.append(f"    stt: {e['stt']}")
        out.append(f"    code: {code}")
        out.append("    agencies:")
        for a in agencies(e, code):
            out.append(f"      - {{ma: {q(a['ma'])}, ten: {q(a['ten'])}}}")
        checked = ", ".join(f"{c} {procedures[c]['TenTTHC']}" for c in self.codes)
        label = "đã kiểm tra" if (e.get("checked") or e.get("checked_names")) else "thư không nêu thủ tục, chọn"
        out.append(f"    # {label}: {checked}")
        out.append(f"    checked: [{', '.join(q(c) for c in self.codes)}]")
        out.append(f"    procedures: [{', '.join(q(c) for c in self.served)}]")
        out.append("    knobs:")
        out.append(f"      family: {self.family}")
        for knob, value, whys in self.knobs:
            for w in whys:
                out.append(f"      # {w}")
            out.append(f"      {knob}: {scalar(value)}")
        out.append("    catalog:")
        for n in self.catalog_notes:
            out.append(f"      # {n}")
        out.append(f"      listed: {e['total']}")
        out.append(f"      provided: {e['provided']}")
        if not self.online:
            out.append("      online: false")
        if self.services:
            out.append("      services: {" + ", ".join(f"{q(c)}: {k}" for c, k in self.services.items()) + "}")
        if self.second_share:
            out.append(f"      faults: {{other_system: {self.second_share}}}")
        return out


def q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (int, float)):
        return str(value)
    return q(value) if not re.fullmatch(r"[a-z_0-9]+", str(value)) else str(value)


HEADER = """\
# GENERATED by `python -m sandbox.make_replica` from engine/data/letter_4975.yaml — edit the
# generator, not this file (tests/sandbox/test_replica.py checks that it is up to date).
#
# The replica: one sandbox unit portal per unit of Công văn 4975/VPCP-KSTT (05/6/2025), the
# letter's names and numbering, each behaving as the letter describes; where the letter says
# nothing on a criterion the portal conforms. Same format as profiles.yaml, plus:
#   section, stt        the letter's section (bo | dia_phuong) and number
#   checked             the procedures the letter checked there (or one chosen when it names none)
#   procedures          those the unit's system really serves (all checked ones but where the
#                       letter says the service could not be used at all)
#   knobs.family        the portal software: paged | formio | eform, by the letter's order
#                       (position % 3 over ministries then provinces)
#   catalog.listed      procedures of the unit on the national portal (the letter's total)
#   catalog.provided    of them, full-online services that work (the letter's provided); the
#                       broken ones below come on top as full-online links that do not work
#   catalog.online      false: no full-online link at all (the letter's 0 DVCTT)
#   catalog.services    hand-off faults of the checked procedures: home | not_found
#   catalog.faults      {other_system: share}: part of the unit's services on a second system
# Start it: python -m sandbox --urls-file FILE --set replica [--units id1,id2]
#
# Procedures (MaTTHC — name; data in sandbox/data/procedures.yaml):
"""


def build(letter: list[dict], procedures: dict) -> str:
    lines = HEADER.rstrip("\n").split("\n")
    codes: dict[str, list[str]] = {}
    replicas = [Replica(e, i) for i, e in enumerate(letter)]
    for r in replicas:
        for c in r.codes:
            codes.setdefault(c, []).append(unit_id(r.entry))
    for c in sorted(codes):
        p = procedures.get(c)
        if p is None:
            raise SystemExit(f"make_replica: procedure {c} missing from {PROCEDURES}")
        mark = f" ({ASSUMED[c]})" if c in ASSUMED else ""
        lines.append(f"#   {c} — {p['TenTTHC']}{mark}: {len(codes[c])} đơn vị")
    families = {f: sum(1 for r in replicas if r.family == f) for f in FAMILIES}
    lines.append("#")
    lines.append("# Families: " + ", ".join(f"{f} {n}" for f, n in families.items()))
    lines.append("units:")
    for r in replicas:
        lines.extend(r.lines(procedures))
    return "\n".join(lines) + "\n"


#: Codes and names not checked against the national database.
ASSUMED = {
    "2.002516": "tên giả định", "1.005092": "tên giả định", "1.010832": "tên giả định",
    "1.011435": "tên giả định", "1.004602": "tên giả định", "1.012789": "tên giả định",
    "1.012889": "tên giả định",
    "2.001236": "mã giả định", "1.005226": "mã giả định", "1.003436": "mã giả định",
    "2.001714": "mã giả định", "1.001853": "mã giả định", "1.002351": "mã giả định",
    "1.007744": "mã giả định", "1.012268": "mã giả định", "1.010524": "mã giả định",
    "2.002185": "mã giả định", "1.001085": "mã giả định",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox.make_replica", description=__doc__.split("\n")[0])
    ap.add_argument("--letter", type=Path, default=LETTER)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="only say whether the file is up to date (exit 1 if not)")
    args = ap.parse_args(argv)
    letter = yaml.safe_load(args.letter.read_text(encoding="utf-8"))
    procedures = {str(p["MaTTHC"]): p for p in yaml.safe_load(PROCEDURES.read_text(encoding="utf-8"))}
    text = build(letter, procedures)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is not up to date: run python -m sandbox.make_replica", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(letter)} units")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
