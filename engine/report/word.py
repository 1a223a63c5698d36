"""The appendix as a Word document (``phu-luc.docx`` in the run folder), laid out like the Phụ lục
of Công văn 4975/VPCP-KSTT: Times New Roman 13, A4 landscape, one table with the letter's columns,
the sections "I. ..." and "II. ..." as rows merged across the table, each unit's paragraph in its
last cell, one line a paragraph. Inspectors paste it into their own letter, so it holds only what
the report already shows: names, counts and the verdict sentences (masked when they were written
and again when the run was read).

    write_word_appendix(run_dir, view=None, known=(), rollup=None) -> Path | None
        None when python-docx is not installed (the other reports are still written).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from engine.report.appendix import COUNTS_HEADER, appendix
from engine.report.paragraph import RunView, read_run

FILE_NAME = "phu-luc.docx"
FONT = "Times New Roman"
SIZE_PT = 13
TITLE = ("DANH MỤC TỔNG HỢP KẾT QUẢ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN TOÀN TRÌNH "
         "TRÊN CỔNG DỊCH VỤ CÔNG QUỐC GIA")
UNIT_HEADER = "Bộ, ngành, địa phương"
RESULT_HEADER = "Kết quả đánh giá điểm chất lượng cung cấp dịch vụ công trực tuyến"
# Column widths in cm on A4 landscape with 2 cm margins (25.7 cm of text width).
WIDTHS_CM = (1.2, 3.6, 2.0, 2.9, 2.0, 14.0)


def _run_time(run_id: str) -> str:
    """ "20261204-153000" -> "15:30 ngày 04/12/2026"; anything else as it is."""
    try:
        day, time = run_id.split("-", 1)
        return f"{time[:2]}:{time[2:4]} ngày {day[6:8]}/{day[4:6]}/{day[:4]}"
    except (ValueError, IndexError):
        return run_id


def _font(run: Any, bold: bool = False, italic: bool = False, size: int = SIZE_PT) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()  # Vietnamese text in every script slot
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT)


def _paragraph(container: Any, text: str, *, bold: bool = False, italic: bool = False,
               align: str | None = None, first: bool = False) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    paragraph = container.paragraphs[0] if first and container.paragraphs and not container.paragraphs[0].text \
        else container.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(3)
    if align:
        paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
                               "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    _font(paragraph.add_run(text), bold=bold, italic=italic)
    return paragraph


def _cell(cell: Any, lines: list[str] | str, *, bold: bool = False, align: str = "left",
          headings: frozenset[str] = frozenset()) -> None:
    lines = [lines] if isinstance(lines, str) else lines or [""]
    for index, line in enumerate(lines):
        _paragraph(cell, line, bold=bold or line in headings, align=align, first=index == 0)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def build_document(data: dict[str, Any]) -> Any:
    """A python-docx Document of the appendix data (engine/report/appendix.py)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(SIZE_PT)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))

    _paragraph(document, "Phụ lục", bold=True, align="center", first=True)
    _paragraph(document, TITLE, bold=True, align="center")
    scope = "; các tỉnh, thành phố theo đơn vị hành chính từ 01/7/2025" if data.get("rollup") == "2025" else ""
    _paragraph(document, f"(Kết quả kiểm tra của công cụ dvc-conformance, lần chạy {_run_time(data['run_id'])}"
                         f"{scope})", italic=True, align="center")
    _paragraph(document, "____________", align="center")

    table = document.add_table(rows=2, cols=6)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    top, sub = table.rows
    for index, text in ((0, "TT"), (1, UNIT_HEADER), (4, "Đạt tỷ lệ (%)"), (5, RESULT_HEADER)):
        merged = top.cells[index].merge(sub.cells[index])
        _cell(merged, text, bold=True, align="center")
    _cell(top.cells[2].merge(top.cells[3]), COUNTS_HEADER, bold=True, align="center")
    _cell(sub.cells[2], "Tổng số", bold=True, align="center")
    _cell(sub.cells[3], "Số TTHC đã cung cấp DVCTT toàn trình trên Cổng DVCQG", bold=True, align="center")
    _repeat_header(top)
    _repeat_header(sub)

    for part in data["sections"]:
        title_row = table.add_row()
        merged = title_row.cells[0].merge(title_row.cells[5])
        _cell(merged, part["title"], bold=True)
        if not part["rows"]:
            row = table.add_row()
            _cell(row.cells[0].merge(row.cells[5]), "(Lần chạy này không kiểm tra đơn vị nào của phần này.)")
        for item in part["rows"]:
            row = table.add_row()
            _cell(row.cells[0], item["tt"], align="center")
            _cell(row.cells[1], item["name"])
            _cell(row.cells[2], item["total_text"], align="center")
            _cell(row.cells[3], item["provided_text"], align="center")
            _cell(row.cells[4], item["rate"], align="center")
            # The 2025 roll-up heads each former province's findings with its name: in bold.
            headings = frozenset(f"{m['name']}:" for m in item.get("members") or [])
            _cell(row.cells[5], item["paragraph"] or ["Chưa kiểm tra trong lần chạy này."], align="justify",
                  headings=headings)

    table.autofit = False
    for column, width in zip(table.columns, WIDTHS_CM):
        column.width = Cm(width)
    for row in table.rows:
        cells = row.cells
        if len({id(cell._tc) for cell in cells}) == len(WIDTHS_CM):  # merged rows keep the grid's widths
            for cell, width in zip(cells, WIDTHS_CM):
                cell.width = Cm(width)
    return document


def write_word_appendix(run_dir: Path, view: RunView | None = None, known: Iterable[str] = (),
                        rollup: str | None = None) -> Path | None:
    """Write ``run_dir/phu-luc.docx`` (``phu-luc-2025.docx`` for the 2025 roll-up)."""
    try:
        import docx  # noqa: F401
    except ImportError:
        return None
    run_dir = Path(run_dir)
    view = view or read_run(run_dir, known)
    document = build_document(appendix(view, rollup=rollup))
    path = run_dir / (FILE_NAME if rollup is None else FILE_NAME.replace(".docx", f"-{rollup}.docx"))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    document.save(str(tmp))
    os.replace(tmp, path)
    return path
