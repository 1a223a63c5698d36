"""The units registry: the letter's 79 units, the 34 provinces of 2025, the retired names, the
slug rule of the helpers' contract, and how the branding check uses the retired names."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from engine.config import load_units
from engine.units import registry, slugify, unit_id

ROOT = Path(__file__).resolve().parents[1]
LETTER = yaml.safe_load((ROOT / "engine" / "data" / "letter_4975.yaml").read_text(encoding="utf-8"))


def test_slug_rule():
    assert slugify("Bộ Văn hóa, Thể thao và Du lịch") == "bo-van-hoa-the-thao-va-du-lich"
    assert slugify("Ngân hàng Nhà nước Việt Nam") == "ngan-hang-nha-nuoc-viet-nam"
    assert unit_id("TP Cần Thơ", "dia_phuong") == "can-tho"
    assert unit_id("TP Hồ Chí Minh", "dia_phuong") == "ho-chi-minh"
    assert unit_id("Tỉnh Bà Rịa - Vũng Tàu", "dia_phuong") == "ba-ria-vung-tau"
    assert unit_id("Tỉnh Đắk Lắk", "dia_phuong") == "dak-lak"
    assert unit_id("Bộ Công an", "bo") == "bo-cong-an"


def test_the_letters_79_units_in_its_order():
    reg = registry()
    bo, dia = reg.units("bo"), reg.units("dia_phuong")
    assert (len(bo), len(dia)) == (16, 63)
    assert [(u.section, u.stt, u.name) for u in bo + dia] == [(e["section"], e["stt"], e["name"]) for e in LETTER]
    for entry in LETTER:
        unit = reg.get(unit_id(entry["name"], entry["section"]))
        assert unit is not None and unit.name == entry["name"]
        assert reg.by_letter_name(entry["name"]) is unit
    for uid in ("bo-cong-an", "thanh-tra-chinh-phu", "hue", "yen-bai", "ha-noi"):
        assert reg.get(uid) is not None, uid
    assert reg.units()[:2] == bo[:2] and reg.units()[-1].section == "sandbox"


def test_lab_units_and_load_units():
    units = load_units()
    assert units["tham-chieu"].section == "sandbox" and units["ten-cu"].name == "Bộ Khoa học và Công nghệ"
    assert units["bo-cong-an"].as_record() == {"id": "bo-cong-an", "name": "Bộ Công an", "section": "bo"}
    assert len([u for u in units.values() if u.section != "sandbox"]) == 79
    assert registry().get("tham-chieu").stt is None


def test_34_provinces_and_every_old_province_in_exactly_one():
    reg = registry()
    provinces = reg.provinces_2025()
    assert len(provinces) == 34 and len({p.id for p in provinces}) == 34
    members = Counter(uid for p in provinces for uid in p.merged_from)
    old = {u.id for u in reg.units("dia_phuong")}
    assert set(members) == old and set(members.values()) == {1}
    sizes = Counter(len(p.merged_from) for p in provinces)
    assert sizes == {1: 11, 2: 17, 3: 6}
    by_id = {p.id: p for p in provinces}
    assert by_id["ho-chi-minh"].merged_from == ["ho-chi-minh", "binh-duong", "ba-ria-vung-tau"]
    assert by_id["ninh-binh"].name == "Tỉnh Ninh Bình" and set(by_id["ninh-binh"].merged_from) == {
        "ninh-binh", "ha-nam", "nam-dinh"}
    assert by_id["hai-phong"].name == "TP Hải Phòng"
    assert not by_id["ha-noi"].merged and by_id["hue"].merged_from == ["hue"]
    for p in provinces:  # a 2025 province keeps the id of the June-2025 unit whose name it kept
        assert reg.get(p.id).section == "dia_phuong" and p.id == p.merged_from[0]
    yen_bai = reg.get("yen-bai")
    assert (yen_bai.province_2025, yen_bai.name_2025) == ("lao-cai", "Tỉnh Lào Cai")
    assert reg.get("lao-cai").province_2025 == "lao-cai"
    assert reg.get("bo-cong-an").province_2025 is None
    assert [p.id for p in provinces[:2]] == ["ha-noi", "hue"] and provinces[-1].id == "an-giang"


def test_retired_names():
    reg = registry()
    entries = reg.retired_names()
    ministries = {e["name"]: e for e in entries if e["kind"] == "ministry"}
    provinces = {e["name"]: e for e in entries if e["kind"] == "province"}
    assert ministries["Bộ Thông tin và Truyền thông"]["now"] == "Bộ Khoa học và Công nghệ"
    assert ministries["Bộ Kế hoạch và Đầu tư"]["now_ids"] == ["bo-tai-chinh"]
    assert ministries["Bộ Giao thông vận tải"]["now"] == "Bộ Xây dựng"
    assert ministries["Bộ Tài nguyên và Môi trường"]["now"] == ministries[
        "Bộ Nông nghiệp và Phát triển nông thôn"]["now"] == "Bộ Nông nghiệp và Môi trường"
    assert set(ministries["Bộ Lao động - Thương binh và Xã hội"]["now_ids"]) == {"bo-noi-vu", "bo-y-te"}
    assert ministries["Ủy ban Dân tộc"]["now"] == "Bộ Dân tộc và Tôn giáo"
    assert len(provinces) == 29  # 63 - 34
    ha_giang = provinces["Tỉnh Hà Giang"]
    assert ha_giang["now"] == "Tỉnh Tuyên Quang" and "UBND tỉnh Hà Giang" in ha_giang["aliases"]
    assert ha_giang["since"] == "2025-07-01" and ministries["Ủy ban Dân tộc"]["since"] == "2025-03-01"
    assert "Tỉnh Tuyên Quang" not in provinces and "TP Cần Thơ" not in provinces
    for entry in entries:
        for now_id in entry["now_ids"]:
            assert reg.get(now_id) is not None, entry
    # Per unit: the names retired into its 2025 entity.
    assert "Bộ Thông tin và Truyền thông" in reg.get("bo-khoa-hoc-va-cong-nghe").retired_names
    assert "Tỉnh Yên Bái" in reg.get("lao-cai").retired_names
    assert reg.get("ha-noi").retired_names == []


# ---------------------------------------------------------------- branding on the registry

@pytest.fixture
def branding():
    from checks import branding as module
    return module


def test_ministry_names_count_on_every_portal_provinces_only_on_their_2025_province(branding):
    june, august = dt.date(2025, 6, 5), dt.date(2025, 8, 1)

    def names(unit, day):
        return {e["name"] for e in branding.names_for(unit, day)}

    assert "Bộ Thông tin và Truyền thông" in names("bo-khoa-hoc-va-cong-nghe", june)
    assert "Bộ Lao động - Thương binh và Xã hội" in names("tham-chieu", june)
    # The replica of June 2025: no province name is retired yet.
    assert not any(e["kind"] == "province" for e in branding.names_for("lao-cai", june))
    # After 01/7/2025: Lào Cai's portal must not present itself as Yên Bái ...
    assert "Tỉnh Yên Bái" in names("lao-cai", august)
    assert "Tỉnh Hà Giang" not in names("lao-cai", august)  # ... another province is not its branding
    # ... while the merged-away unit's own portal, an unchanged one, a ministry are not judged on them.
    for unit in ("yen-bai", "ha-noi", "bo-cong-an", "tham-chieu"):
        assert not any(e["kind"] == "province" for e in branding.names_for(unit, august)), unit


def test_branding_check_does_not_fail_a_replica_showing_its_own_old_name(branding, monkeypatch):
    import checks
    from engine.journey import Evidence
    from engine.observe import PageObservation

    def judge(unit_id, unit_name, text):
        ev = Evidence(code="2.000635", procedure="Cấp bản sao Trích lục hộ tịch", target=unit_id,
                      unit_id=unit_id, unit_name=unit_name, unit_url="http://unit.test", test_system=True,
                      form=PageObservation(url="http://unit.test/form", title="Biểu mẫu", text=text))

        class Ctx:
            pass
        ctx = Ctx()
        ctx.unit_name = unit_name
        return checks.get("branding").function(ev, ctx)

    monkeypatch.setattr(branding, "today", lambda: dt.date(2026, 1, 10))
    assert judge("yen-bai", "Tỉnh Yên Bái", "Cổng dịch vụ công UBND tỉnh Yên Bái").outcome == "dat"
    assert judge("lao-cai", "Tỉnh Lào Cai", "Cổng dịch vụ công tỉnh Lào Cai").outcome == "dat"
    stale = judge("lao-cai", "Tỉnh Lào Cai", "Sở Tư pháp - Ủy ban nhân dân tỉnh Yên Bái")
    assert stale.outcome == "chua_dat" and "“Tỉnh Yên Bái” (nay là Tỉnh Lào Cai)" in stale.sentence
    monkeypatch.setattr(branding, "today", lambda: dt.date(2025, 6, 5))
    assert judge("lao-cai", "Tỉnh Lào Cai", "Sở Tư pháp tỉnh Yên Bái").outcome == "dat"
    assert judge("bo-noi-vu", "Bộ Nội vụ", "Cổng dịch vụ công Bộ LĐTBXH").outcome == "chua_dat"
