"""The replica: one sandbox portal per unit of Công văn 4975 (sandbox/replica.yaml, written by
sandbox/make_replica.py from engine/data/letter_4975.yaml)."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import yaml

from sandbox import make_replica
from sandbox.catalog import apply_catalog
from sandbox.config import DEFAULT_KNOBS, load_procedures, load_units
from sandbox.server import DEFAULT_REPLICA, FIRST_UNIT, load_set
from tests.sandbox.conftest import ROOT
from tests.sandbox.sandbox_helpers import browser, national_login

LETTER = yaml.safe_load(make_replica.LETTER.read_text(encoding="utf-8"))
LAB_COUNT = len(yaml.safe_load((ROOT / "sandbox" / "profiles.yaml").read_text(encoding="utf-8"))["units"])


def replica_units():
    procedures = load_procedures()
    units = load_units(DEFAULT_REPLICA, procedures, offset=LAB_COUNT)
    apply_catalog(units, procedures)
    return units, procedures


def letter_unit(unit_id: str) -> dict:
    return next(e for e in LETTER if make_replica.unit_id(e) == unit_id)


def test_generator_is_deterministic_and_the_file_is_up_to_date():
    procedures = {str(p["MaTTHC"]): p for p in yaml.safe_load(make_replica.PROCEDURES.read_text(encoding="utf-8"))}
    first, second = make_replica.build(LETTER, procedures), make_replica.build(LETTER, procedures)
    assert first == second
    assert DEFAULT_REPLICA.read_text(encoding="utf-8") == first, "run: python -m sandbox.make_replica"
    assert make_replica.main(["--check"]) == 0


def test_ids_follow_the_contracts_slug_rule():
    assert make_replica.slug("Bộ Văn hóa, Thể thao và Du lịch") == "bo-van-hoa-the-thao-va-du-lich"
    ids = {make_replica.unit_id(e) for e in LETTER}
    assert {"bo-cong-an", "ngan-hang-nha-nuoc-viet-nam", "thanh-tra-chinh-phu", "can-tho", "ha-noi",
            "ho-chi-minh", "hue", "ba-ria-vung-tau", "dak-lak", "yen-bai"} <= ids


def test_every_unit_of_the_letter_has_a_portal():
    units, procedures = replica_units()
    assert [u.id for u in units] == [make_replica.unit_id(e) for e in LETTER]
    assert [(u.name, u.section, u.stt) for u in units] == [(e["name"], e["section"], e["stt"]) for e in LETTER]
    assert sum(u.section == "bo" for u in units) == 16 and sum(u.section == "dia_phuong" for u in units) == 63
    assert [u.index for u in units] == list(range(LAB_COUNT, LAB_COUNT + 79))   # after the lab's addresses
    assert len({u.code for u in units}) == 79
    families = [u.knobs["family"] for u in units]
    assert {f: families.count(f) for f in ("paged", "formio", "eform")} == {"paged": 27, "formio": 26, "eform": 26}
    data = yaml.safe_load(DEFAULT_REPLICA.read_text(encoding="utf-8"))["units"]
    for entry, e in zip(data, LETTER):
        # what the letter checked is offered (codes and titles mapped to codes)
        assert entry["checked"] == make_replica.checked_codes(e)
        for code in entry["checked"]:
            assert not procedures[code].get("generated")
            assert len(procedures[code]["applicant_types"]) == 2 and procedures[code]["documents"]


def test_catalog_reproduces_the_letters_table():
    units, _ = replica_units()
    for u in units:
        e = letter_unit(u.id)
        listed = set(u.declared) | set(u.listed)
        assert len(listed) == len(u.declared) + len(u.listed)
        working = [c for c in u.declared if (c in u.procedures and c not in u.faults)
                   or u.faults.get(c) == "other_system"]
        if u.id == "bo-quoc-phong":   # the table says 0/50, the narrative judges a hand-off: 1 link works
            assert (len(listed), len(working)) == (50, 1)
            continue
        assert len(listed) == e["total"], u.id
        assert len(working) == e["provided"], u.id
    by_id = {u.id: u for u in units}
    assert by_id["thanh-tra-chinh-phu"].declared == [] and by_id["bo-dan-toc-va-ton-giao"].declared == []
    assert {u.id for u in units if u.second_system} == {"bo-cong-an", "bo-tai-chinh", "bo-tu-phap"}


#: criterion verdict -> knobs, for the knobs no other criterion sets.
SIMPLE = {
    ("autofill", "fail"): {"prefill": False},
    ("no_redundant_documents", "fail"): {"require_cccd_upload": True},
    ("eform", "fail"): {"eform": False},
    ("esign", "fail"): {"esign": "none"},
    ("esign", "partial"): {"esign": "broken"},
    ("input_validation", "fail"): {"phone_validation": "none", "email_validation": "none"},
    ("identity_crosscheck", "fail"): {"identity_crosscheck": False},
    ("required_fields", "fail"): {"required_checks": False},
    ("draft_persistence", "fail"): {"drafts": "none"},
    ("guidance", "fail"): {"guidance": "none"},
    ("guidance", "partial"): {"guidance": "same_documents"},
    ("mobile_layout", "fail"): {"mobile": False},
    ("progress_notification", "fail"): {"progress_page": False},
    ("result_storage", "fail"): {"result_storage": "none"},
    ("result_storage", "partial"): {"result_storage": "unsigned"},
    ("privacy", "fail"): {"public_lookup": "full_details"},
    ("identity_account", "fail"): {"local_accounts": True},
}


def test_knobs_follow_the_letters_findings_and_conform_elsewhere():
    units, _ = replica_units()
    for u in units:
        findings = letter_unit(u.id)["findings"]
        for (criterion, verdict), knobs in SIMPLE.items():
            stated = findings.get(criterion, {}).get("verdict") == verdict
            for knob, value in knobs.items():
                if stated:
                    assert u.knobs[knob] == value, (u.id, criterion)
                elif not any(findings.get(c, {}).get("verdict") == v and knob in k
                             for (c, v), k in SIMPLE.items()):
                    assert u.knobs[knob] == DEFAULT_KNOBS[knob], (u.id, knob, "the letter says nothing")
        if "sso" not in findings:
            assert u.knobs["login"] == "sso" and not u.knobs["require_registration"], u.id
        if "redirect" not in findings and "service_usable" not in findings and "service_exists" not in findings:
            assert u.knobs["handoff"] == "form" and not u.faults.get(u.procedures[0] if u.procedures else ""), u.id


def test_a_few_units_as_the_letter_describes_them():
    units, _ = replica_units()
    by_id = {u.id: u for u in units}
    gd = by_id["bo-giao-duc-va-dao-tao"].knobs   # esign partial, validation, crosscheck, phone, lookup
    assert (gd["esign"], gd["phone_validation"], gd["identity_crosscheck"], gd["mobile"], gd["public_lookup"]) == \
        ("broken", "none", False, False, "full_details")
    khcn = by_id["bo-khoa-hoc-va-cong-nghe"].knobs
    assert (khcn["login"], khcn["local_accounts"], khcn["header_name"]) == \
        ("local_login", True, "Bộ Thông tin và Truyền thông")
    assert by_id["bo-noi-vu"].knobs["header_name"] == "Bộ Lao động - Thương binh và Xã hội"
    assert by_id["bo-cong-thuong"].knobs["require_password_change"] is True
    ha_noi = by_id["ha-noi"]                      # redirect fail: the checked procedure's hand-off goes home
    assert ha_noi.faults["2.000635"] == "home" and "2.000635" in ha_noi.procedures
    assert ha_noi.knobs["login"] == "local_login" and ha_noi.knobs["drafts"] == "none"
    assert by_id["binh-phuoc"].faults["1.001731"] == "not_found"    # service_exists fail
    assert by_id["lai-chau"].knobs["handoff"] == "flaky"            # redirect partial
    assert not {"1.001612", "1.001731", "2.000720"} & set(by_id["ha-giang"].procedures)   # not served at all
    assert by_id["ha-giang"].faults["1.001612"] == "home"
    assert by_id["bac-giang"].knobs["slow_step"] == {"step": 2, "seconds": 6}
    assert by_id["bac-ninh"].knobs["submit_failure"] == "every_2nd"
    assert by_id["bo-quoc-phong"].knobs["submit_failure"] == "always"
    assert by_id["da-nang"].procedures[0] == "1.004873"


def test_the_lab_set_is_what_it_was():
    procedures = load_procedures()
    lab = load_set("lab", procedures)
    assert len(lab) == LAB_COUNT and all(u.procedures == ["2.000635"] for u in lab)
    assert all(not u.section for u in lab)


def start(tmp_path, *args: str):
    urls_file = tmp_path / "urls.json"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--urls-file", str(urls_file), "--port", "0", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        return proc, None, proc.stderr.read()
    return proc, json.loads(line), time.monotonic() - started


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0


def test_units_starts_only_those(tmp_path):
    proc, urls, _ = start(tmp_path, "--set", "replica", "--units", "can-tho,bo-cong-an")
    try:
        assert set(urls["units"]) == {"can-tho", "bo-cong-an"}
        assert urls["units"]["bo-cong-an"].startswith(f"http://127.0.0.{FIRST_UNIT + LAB_COUNT}:")
        assert urls["units"]["can-tho"].startswith(f"http://127.0.0.{FIRST_UNIT + LAB_COUNT + 16}:")
        assert set(urls["systems"]) == {"bo-cong-an"}   # its second system (single_system fail)
        with browser() as c:
            units = c.get(urls["national"] + "/api/don-vi").json()
            assert [(u["unit"], u["name"], u["tong_so_tthc"], u["so_dvctt_toan_trinh"]) for u in units] == \
                [("bo-cong-an", "Bộ Công an", 79, 25), ("can-tho", "TP Cần Thơ", 514, 182)]
            page = c.get(urls["national"] + "/thu-tuc/2.000635").text
            assert ">TP Cần Thơ<" in page and "Sở Tư pháp thành phố Cần Thơ" in page
            full = c.get(urls["national"] + "/api/danh-muc", params={"unit": "can-tho", "muc_do": "tat_ca"}).json()
            flags = [u["toan_trinh"] for p in full for u in p["units"]]
            assert (len(flags), flags.count(True)) == (514, 182)
            assert all(u["handoff_url"] is None for p in full for u in p["units"] if not u["toan_trinh"])
            national_login(c, urls)
            landed = c.get(urls["national"] + "/thu-tuc/2.000635/nop-truc-tuyen", params={"unit": "can-tho"})
            assert landed.status_code == 200 and landed.url.host == urls["units"]["can-tho"].split("//")[1].split(":")[0]
            assert "2.000635" in str(landed.url) or "2.000635" in landed.text
    finally:
        stop(proc)
    proc, urls, err = start(tmp_path, "--set", "replica", "--units", "khong-co-don-vi-nay")
    assert urls is None and proc.wait(timeout=10) == 2 and "khong-co-don-vi-nay" in err
    proc, urls, err = start(tmp_path, "--units", "can-tho")   # --set lab has no replica units
    assert urls is None and proc.wait(timeout=10) == 2 and "--set replica" in err


def test_all_starts_every_unit_and_the_national_portal_lists_them(tmp_path):
    proc, urls, seconds = start(tmp_path, "--set", "all")
    try:
        assert len(urls["units"]) == LAB_COUNT + 79 and seconds < 20
        with browser() as c:
            units = {u["unit"]: u for u in c.get(urls["national"] + "/api/don-vi").json()}
            for e in LETTER:
                assert units[make_replica.unit_id(e)]["name"] == e["name"]
            page = c.get(urls["national"] + "/thu-tuc/1.004873").text
            for name in ("TP Đà Nẵng", "Tỉnh An Giang", "Tỉnh Bà Rịa - Vũng Tàu"):
                assert f">{name}<" in page
            assert ">Cổng tham chiếu (đạt chuẩn)<" in c.get(urls["national"] + "/thu-tuc/2.000635").text
            home = c.get(urls["units"]["bo-khoa-hoc-va-cong-nghe"] + "/").text
            assert "Cổng Dịch vụ công Bộ Thông tin và Truyền thông" in home
    finally:
        stop(proc)


def test_replica_scenarios_are_up_to_date():
    """scenarios/*.yaml are written from replica.yaml and procedures.yaml: regenerate after a change."""
    from sandbox.make_replica_scenarios import main
    assert main(["--check"]) == 0, "chạy: python -m sandbox.make_replica_scenarios"
