"""An evidence picture shows no personal data: every form field and any text with the
citizen's data is painted over (engine.browser.evidence_screenshot), the rest of the page is
left as it is, and the page is as it was afterwards. The picture's pixels are read back in the
browser (no image library). Real Chromium; the page is set in place (no network)."""
from __future__ import annotations

import base64

import pytest

from engine.browser import evidence_screenshot

NAME, ID_NUMBER, PHONE = "Nguyễn Văn An", "001090012345", "0912345678"

PAGE = f"""<!doctype html><html lang="vi"><meta charset="utf-8">
<style>body {{ font: 16px sans-serif; margin: 20px; }} p, div {{ margin: 10px 0 !important; padding: 4px !important; }}  /* a portal's style must not move a mask */</style>
<body>
<p id="neutral" style="background:#fff">Thủ tục cấp bản sao trích lục hộ tịch</p>
<input id="field" value="{ID_NUMBER}" style="width:300px;height:30px">
<select id="list" style="width:200px;height:30px"><option>Nam</option></select>
<textarea id="area" style="width:300px;height:40px">ghi chú</textarea>
<p id="greeting">Xin chào, <span id="who">nguyễn   văn an</span>!</p>
<p id="split">Người nộp: Nguyễn <b>Văn</b> An</p>
<div id="host"></div>
<dialog id="dialog"><p id="in-dialog">Số định danh: {ID_NUMBER}</p></dialog>
<script>
  document.getElementById('host').attachShadow({{mode: 'open'}}).innerHTML =
    '<p id="shadow-phone" style="margin:10px 0">Điện thoại: {PHONE}</p>';
  document.getElementById('dialog').showModal();
</script>
</body></html>"""

_RECTS_JS = """ids => Object.fromEntries(ids.map(id => {
  const e = document.getElementById(id) || document.getElementById('host').shadowRoot.getElementById(id);
  const r = e.getBoundingClientRect();
  return [id, [r.left, r.top, r.width, r.height]];
}))"""

_PIXELS_JS = """async ([src, points]) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  return points.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    page.set_content(PAGE)
    yield page
    context.close()


def _pixels(browser, png: bytes, points: list[tuple[float, float]]) -> list[list[int]]:
    context = browser.new_context()
    try:
        reader = context.new_page()
        return reader.evaluate(_PIXELS_JS, ["data:image/png;base64," + base64.b64encode(png).decode(), points])
    finally:
        context.close()


def test_personal_data_and_fields_are_painted_over_and_nothing_else(browser, page, tmp_path):
    ids = ["neutral", "greeting", "field", "list", "area", "who", "split", "shadow-phone", "in-dialog"]
    rects = page.evaluate(_RECTS_JS, ids)
    path = tmp_path / "shot.png"
    evidence_screenshot(page, path, personal=(NAME, ID_NUMBER, PHONE))
    # One point inside each element (its left part, where its text is drawn).
    points = [(x + min(8, w / 2), y + h / 2) for x, y, w, h in (rects[i] for i in ids)]
    colours = dict(zip(ids, _pixels(browser, path.read_bytes(), points)))
    magenta = [255, 0, 255]
    for masked in ("field", "list", "area", "who", "split", "shadow-phone", "in-dialog"):
        assert colours[masked] == magenta, f"{masked} is not masked: {colours[masked]}"
    # The rest of the page shows, the greeting's own words too: only the smallest element
    # with the name is painted over, not the paragraph around it.
    assert colours["neutral"] != magenta and colours["greeting"] != magenta


def test_the_page_is_left_as_it_was(page, tmp_path):
    before = page.evaluate("document.body.innerHTML")
    evidence_screenshot(page, tmp_path / "shot.png", personal=(NAME,))
    assert page.evaluate("document.body.innerHTML") == before
    assert page.evaluate("document.documentElement.lastElementChild.tagName") == "BODY"
    assert page.evaluate("document.getElementById('dialog').open") is True
    assert (tmp_path / "shot.png").stat().st_size > 1000


def test_the_citizens_birthday_is_masked_as_pages_write_it():
    from engine.plugin import _personal_texts
    texts = _personal_texts({"HoVaTen": NAME, "SoDinhDanh": ID_NUMBER, "NgayThangNamSinh": "19900215"})
    assert {NAME, ID_NUMBER, "15/02/1990", "15/2/1990", "15-02-1990", "1990-02-15"} <= set(texts)
    assert len(texts) == len(set(texts))
