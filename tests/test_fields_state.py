"""A step's fields read by one script in the page (engine.journey.fields_state) give what
Playwright's own locators give (get_by_label(exact=True) or the field's selector, read one by
one): the same element, by every way a portal names a field. Real Chromium; the page is set
in place (no network)."""
from __future__ import annotations

import pytest

from engine.journey import _located_field_state, field_state, fields_state
from engine.scenario import FieldSpec

FORM = """<!doctype html><html lang="vi"><meta charset="utf-8"><body>
<div id="lbl-ten">Họ và   tên<script>var x = 1;</script></div>
<input aria-labelledby="lbl-ten" value="Nguyễn Văn An" readonly>
<label for="cccd">Số định danh cá nhân <span>*</span></label><input id="cccd" value="001090012345">
<label>Giới tính <select><option value="">--</option><option value="m" selected>Nam</option></select></label>
<input aria-label="Số điện thoại" aria-labelledby="khong-co-id" value="0912345678" disabled>
<label for="email">Thư điện tử</label><input id="email" name="data[email]" value="">
<label for="ghi-chu">Ghi&shy;chú</label><textarea id="ghi-chu">ghi chú cũ</textarea>
<label for="dc1">Địa chỉ</label><input id="dc1" value="thứ nhất">
<label for="dc2">Địa chỉ</label><input id="dc2" value="thứ hai">
<label for="an">Ẩn</label><input id="an" type="hidden" value="x">
<div aria-label="Nhãn của khối"></div>
<div id="host"></div>
<script>
  const root = document.getElementById('host').attachShadow({mode: 'open'});
  root.innerHTML = '<label for="q">Quốc tịch</label><input id="q" value="Việt Nam">';
</script>
</body></html>"""

SPECS = {
    "ten": FieldSpec("ten", "Họ và tên"),                                 # aria-labelledby; script text skipped
    "cccd": FieldSpec("cccd", "Số định danh cá nhân *"),                  # <label for>, nested text
    "gioi_tinh": FieldSpec("gioi_tinh", "Giới tính --Nam"),               # wrapping label (its options' text)
    "sdt": FieldSpec("sdt", "Số điện thoại"),                             # aria-label (dangling labelledby), disabled
    "email": FieldSpec("email", selector='[name="data[email]"]'),        # a family's CSS selector
    "ghi_chu": FieldSpec("ghi_chu", "Ghichú"),                            # soft hyphen dropped; a textarea
    "dia_chi": FieldSpec("dia_chi", "Địa chỉ"),                           # two matches: the first
    "an": FieldSpec("an", "Ẩn"),                                          # a hidden input has no label
    "khoi": FieldSpec("khoi", "Nhãn của khối"),                           # any element with an aria-label
    "quoc_tich": FieldSpec("quoc_tich", "Quốc tịch"),                     # inside an open shadow root
    "khong_co": FieldSpec("khong_co", "Không có trên trang"),
    "xpath": FieldSpec("xpath", selector="xpath=//textarea"),            # not CSS: Playwright reads it
}


@pytest.fixture
def form_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(FORM)
    yield page
    context.close()


def test_one_read_of_many_fields_is_what_playwright_locates(form_page):
    by_playwright = {f: _located_field_state(form_page, spec) for f, spec in SPECS.items()}
    together = fields_state(form_page, SPECS)
    assert together == by_playwright
    # …and what they read is what the page shows (not two equal mistakes).
    assert {k: together["ten"][k] for k in ("tag", "locked", "value")} == {
        "tag": "INPUT", "locked": True, "value": "Nguyễn Văn An"}
    assert together["sdt"]["locked"] is True and together["gioi_tinh"]["value"] == "Nam"
    assert together["dia_chi"]["value"] == "thứ nhất"
    assert together["quoc_tich"]["value"] == "Việt Nam"
    assert together["khong_co"] is None and together["an"] is None
    assert together["xpath"]["value"] == "ghi chú cũ"


def test_a_field_is_read_as_it_is_now(form_page):
    form_page.get_by_label("Thư điện tử", exact=True).fill("an@example.test")
    assert field_state(form_page, SPECS["email"])["value"] == "an@example.test"
    form_page.evaluate("document.getElementById('cccd').remove()")
    assert fields_state(form_page, {f: SPECS[f] for f in ("cccd", "ten")})["cccd"] is None


def test_the_page_script_itself_finds_them(form_page):
    """The fallback to Playwright is for the exceptions: the script finds every field named in
    a way it knows (else every read would cost the locator's round trips again)."""
    from engine.journey import _FIELDS_STATE_JS
    read = form_page.evaluate(_FIELDS_STATE_JS, [{"label": s.label or "", "selector": s.selector or ""}
                                                 for s in SPECS.values()])
    found = {f for f, state in zip(SPECS, read) if "tag" in state}
    assert found == set(SPECS) - {"an", "khong_co", "xpath"}
    assert read[list(SPECS).index("xpath")] == {"unknown": True}
