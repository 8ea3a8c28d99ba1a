"""Write the generated test documents of this folder with the libraries that write these formats
(python-pptx, XlsxWriter, openpyxl, odfpy, the standard library's email package). Run it from the
repository root to make them again; PROVENANCE.md says where every file here came from.

    .venv/bin/python tests/files/documents/make_documents.py
"""

from __future__ import annotations

import datetime
import io
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: One short story told by every generated file, so tests can look for the same facts.
TITLE = "Riverside Library renovation"
SENTENCES = [
    "The board approved the renovation of the Riverside Library reading room in March.",
    "The contractor will replace the roof and the heating before the winter.",
    "Dana Okafor will send the revised budget to the finance office by Friday.",
    "The children's section moves to the east wing while the work goes on.",
    "Volunteers asked for a temporary book drop near the car park.",
]
FIXED = datetime.datetime(2024, 3, 14, 10, 30, tzinfo=datetime.UTC)


def pptx() -> None:
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    prs = Presentation()
    prs.core_properties.title = TITLE
    prs.core_properties.author = "Library board"
    prs.core_properties.created = FIXED.replace(tzinfo=None)
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = TITLE
    slide.placeholders[1].text = "Board meeting, 14 March 2024"
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "What was decided"
    body = slide.placeholders[1].text_frame
    body.text = SENTENCES[0]
    for text, level in ((SENTENCES[1], 0), ("Roof first, then heating", 1), (SENTENCES[3], 0)):
        para = body.add_paragraph()
        para.text, para.level = text, level
    slide.notes_slide.notes_text_frame.text = "Remind the board that the insurance letter arrived on Monday."
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Budget by quarter"
    table = slide.shapes.add_table(3, 3, Inches(1), Inches(2), Inches(6), Inches(1.5)).table
    for r, row in enumerate((("Quarter", "Work", "Cost"), ("Q2", "Roof", "48,000"), ("Q3", "Heating", "31,500"))):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Visits per month"
    data = CategoryChartData()
    data.categories = ["Jan", "Feb", "Mar"]
    data.add_series("Visits", (1200, 1350, 980))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(6), Inches(4), data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "Visits fell in March during the roof survey"
    group = slide.shapes.add_group_shape()
    box = group.shapes.add_textbox(Inches(7), Inches(6), Inches(2), Inches(0.5))
    box.text_frame.text = "Source: front desk counter"
    hidden = prs.slides.add_slide(prs.slide_layouts[1])
    hidden.shapes.title.text = "Draft slide nobody should see"
    hidden.element.set("show", "0")
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Next steps"
    slide.placeholders[1].text_frame.text = SENTENCES[2]
    slide.placeholders[1].text_frame.add_paragraph().text = SENTENCES[4]
    prs.save(HERE / "board-update.pptx")


def xlsx_xlsxwriter() -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(HERE / "renovation-budget.xlsx")
    wb.set_properties({"title": "Renovation budget 2024", "author": "Finance office", "created": FIXED.replace(tzinfo=None)})
    bold, day = wb.add_format({"bold": True}), wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("Budget")
    ws.write_row(0, 0, ["Item", "Quarter", "Cost", "Approved"], bold)
    rows = [("Roof", "Q2", 48000, datetime.date(2024, 3, 14)), ("Heating", "Q3", 31500.5, datetime.date(2024, 3, 14)),
            ("Shelving", "Q4", 12250, datetime.date(2024, 4, 2))]
    for r, (item, quarter, cost, approved) in enumerate(rows, 1):
        ws.write_string(r, 0, item)
        ws.write_string(r, 1, quarter)
        ws.write_number(r, 2, cost)
        ws.write_datetime(r, 3, datetime.datetime.combine(approved, datetime.time()), day)
    ws.write_string(4, 0, "Total")
    # The cached value is what Excel shows after calculating; a reader must show it, not the formula.
    ws.write_formula(4, 2, "=SUM(C2:C4)", bold, 91750.5)
    notes = wb.add_worksheet("Notes")
    for r, sentence in enumerate(SENTENCES):
        notes.write_string(r, 0, sentence)
    secret = wb.add_worksheet("Lookup")
    secret.write_string(0, 0, "internal codes")
    secret.hide()
    wb.close()


def xlsx_openpyxl() -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Visits"
    ws.append(["Month", "Visits", "Loans"])
    for month, visits, loans in (("January", 1200, 830), ("February", 1350, 910), ("March", 980, 640)):
        ws.append([month, visits, loans])
    # openpyxl writes formulas without a cached value: a reader in data_only mode sees nothing there.
    ws["B5"] = "=SUM(B2:B4)"
    ws["A7"] = "The count fell in March while the roof was surveyed."
    wb.properties.creator = "Front desk"
    wb.properties.created = FIXED.replace(tzinfo=None)
    wb.save(HERE / "visits-openpyxl.xlsx")


def odt() -> None:
    from odf import meta, table, text
    from odf.draw import Frame, TextBox
    from odf.opendocument import OpenDocumentText
    from odf.style import GraphicProperties, Style
    from odf.text import H, List, ListItem, Note, NoteBody, NoteCitation, P

    doc = OpenDocumentText()
    doc.meta.addElement(meta.InitialCreator(text="Library board"))
    doc.meta.addElement(_dc_title(TITLE))
    frame_style = Style(name="fr1", family="graphic")
    frame_style.addElement(GraphicProperties(wrap="none"))
    doc.automaticstyles.addElement(frame_style)
    body = doc.text
    body.addElement(H(outlinelevel=1, text="Minutes of the board meeting"))
    body.addElement(P(text=SENTENCES[0]))
    para = P(text=SENTENCES[1])
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    note_body = NoteBody()
    note_body.addElement(P(text="The roof survey is attached to the agenda."))
    note.addElement(note_body)
    para.addElement(note)
    body.addElement(para)
    body.addElement(H(outlinelevel=2, text="Actions"))
    actions = List()
    for sentence in SENTENCES[2:4]:
        item = ListItem()
        item.addElement(P(text=sentence))
        actions.addElement(item)
    body.addElement(actions)
    body.addElement(H(outlinelevel=2, text="Costs"))
    grid = table.Table(name="Costs")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for row in (("Work", "Cost"), ("Roof", "48,000"), ("Heating", "31,500")):
        tr = table.TableRow()
        for value in row:
            cell = table.TableCell()
            cell.addElement(P(text=value))
            tr.addElement(cell)
        grid.addElement(tr)
    body.addElement(grid)
    boxed = P(text="See the box beside this paragraph.")
    frame = Frame(stylename=frame_style, width="6cm", height="2cm", anchortype="paragraph")
    box = TextBox()
    box.addElement(P(text=SENTENCES[4]))
    frame.addElement(box)
    boxed.addElement(frame)
    body.addElement(boxed)
    body.addElement(text.P(text="The meeting closed at nine."))
    doc.save(str(HERE / "board-minutes.odt"))


def odp() -> None:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import DrawingPageProperties, MasterPage, PageLayout, PageLayoutProperties, Style
    from odf.text import List, ListItem, P

    doc = OpenDocumentPresentation()
    doc.meta.addElement(_dc_title(TITLE))
    layout = PageLayout(name="PM1")
    layout.addElement(PageLayoutProperties(pagewidth="28cm", pageheight="21cm", printorientation="landscape"))
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    doc.masterstyles.addElement(master)

    def frame(page: Page, kind: str, y: str, *paragraphs: str, listed: bool = False) -> None:
        shape = Frame(width="24cm", height="3cm", x="2cm", y=y, **{"class": kind})  # presentation:class
        box = TextBox()
        if listed:
            items = List()
            for text in paragraphs:
                item = ListItem()
                item.addElement(P(text=text))
                items.addElement(item)
            box.addElement(items)
        else:
            for text in paragraphs:
                box.addElement(P(text=text))
        shape.addElement(box)
        page.addElement(shape)

    first = Page(name="Title", masterpagename=master)
    frame(first, "subtitle", "8cm", "Board meeting, 14 March 2024")  # written before the title: order is by position
    frame(first, "title", "2cm", TITLE)
    doc.presentation.addElement(first)
    second = Page(name="Decisions", masterpagename=master)
    frame(second, "title", "1cm", "What was decided")
    frame(second, "outline", "5cm", SENTENCES[0], SENTENCES[1], SENTENCES[3], listed=True)
    notes = Notes()
    note_frame = Frame(width="20cm", height="5cm", x="2cm", y="10cm", **{"class": "notes"})
    box = TextBox()
    box.addElement(P(text="Remind the board that the insurance letter arrived on Monday."))
    note_frame.addElement(box)
    notes.addElement(note_frame)
    second.addElement(notes)
    doc.presentation.addElement(second)
    # LibreOffice hides a slide through its drawing-page style.
    hidden_style = Style(name="dp1", family="drawing-page")
    hidden_style.addElement(DrawingPageProperties(visibility="hidden"))
    doc.automaticstyles.addElement(hidden_style)
    hidden = Page(name="Draft", masterpagename=master, stylename=hidden_style)
    frame(hidden, "title", "1cm", "Draft slide nobody should see")
    doc.presentation.addElement(hidden)
    last = Page(name="Next", masterpagename=master)
    frame(last, "title", "1cm", "Next steps")
    frame(last, "outline", "5cm", SENTENCES[2], SENTENCES[4], listed=True)
    doc.presentation.addElement(last)
    doc.save(str(HERE / "board-update.odp"))


def ods() -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(_dc_title("Renovation budget 2024"))
    sheet = Table(name="Budget")
    sheet.addElement(TableColumn(numbercolumnsrepeated=4))

    def row(*cells: tuple[str, str | None, str | None]) -> TableRow:
        tr = TableRow()
        for shown, value_type, value in cells:
            cell = TableCell(valuetype=value_type, value=value) if value_type else TableCell()
            if shown:
                cell.addElement(P(text=shown))
            tr.addElement(cell)
        # LibreOffice pads every row to the sheet's width with one repeated empty cell.
        tr.addElement(TableCell(numbercolumnsrepeated=1020))
        return tr

    sheet.addElement(row(("Item", "string", None), ("Quarter", "string", None), ("Cost", "string", None)))
    sheet.addElement(row(("Roof", "string", None), ("Q2", "string", None), ("48000", "float", "48000")))
    sheet.addElement(row(("Heating", "string", None), ("Q3", "string", None), ("31500.5", "float", "31500.5")))
    total = row(("Total", "string", None), ("", None, None), ("", None, None))
    formula = TableCell(valuetype="float", value="79500.5", formula="of:=SUM([.C2:.C3])")
    formula.addElement(P(text="79500.5"))
    total.childNodes[2:3] = []  # replace the blank third cell by the formula cell
    total.insertBefore(formula, total.childNodes[2])
    sheet.addElement(total)
    # LibreOffice writes the rest of the sheet as one blank row repeated a million times.
    blank = TableRow(numberrowsrepeated=1048570)
    blank.addElement(TableCell(numbercolumnsrepeated=1024))
    sheet.addElement(blank)
    doc.spreadsheet.addElement(sheet)
    notes = Table(name="Notes")
    for sentence in SENTENCES[:3]:
        tr = TableRow()
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=sentence))
        tr.addElement(cell)
        notes.addElement(tr)
    doc.spreadsheet.addElement(notes)
    doc.save(str(HERE / "renovation-budget.ods"))


def html() -> None:
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="windows-1252">
<title>{TITLE} | Riverside Library</title>
<link rel="stylesheet" href="https://cdn.example.invalid/site.css">
<style>body {{ font-family: serif; }}</style>
<script>document.write("tracking pixel"); fetch("https://tracker.example.invalid/hit");</script>
</head>
<body>
<header><a href="/">Riverside Library</a> <nav><a href="/hours">Opening hours</a> | <a href="/events">Events</a></nav></header>
<main>
<article>
<h1>{TITLE}</h1>
<p class="byline">Posted 14 March 2024 by the library board. Caf\xe9 opens in May.</p>
<p>{SENTENCES[0]} <img src="https://images.example.invalid/roof.jpg" alt="The old roof"> {SENTENCES[1]}</p>
<h2>What changes for readers</h2>
<ul><li>{SENTENCES[3]}</li><li>{SENTENCES[4]}<ul><li>Returns can also go to the Central branch.</li></ul></li></ul>
<blockquote>We have waited twenty years for this roof. &mdash; a volunteer</blockquote>
<h2>Costs</h2>
<table><tr><th>Work</th><th>Cost</th></tr><tr><td>Roof</td><td>48,000</td></tr><tr><td>Heating</td><td>31,500</td></tr></table>
<p hidden>Hidden draft paragraph.</p>
<iframe src="https://video.example.invalid/embed/123"></iframe>
<p>{SENTENCES[2]}</p>
</article>
</main>
<aside>Related: summer reading club</aside>
<footer>&copy; 2024 Riverside Library &middot; <a href="/privacy">Privacy</a></footer>
<script src="https://cdn.example.invalid/app.js"></script>
</body>
</html>
"""
    (HERE / "renovation-news.html").write_bytes(page.encode("cp1252"))


def mhtml() -> None:
    """A page saved as Chrome saves it ("Save page as... Webpage, single file")."""
    message = EmailMessage(policy=SMTP)
    message["From"] = "<Saved by Blink>"
    message["Snapshot-Content-Location"] = "https://riverside-library.example.invalid/news/renovation"
    message["Subject"] = f"{TITLE} | Riverside Library"
    message["Date"] = "Thu, 14 Mar 2024 10:30:00 -0000"
    message["MIME-Version"] = "1.0"
    html_part = (HERE / "renovation-news.html").read_bytes().decode("cp1252").replace('charset="windows-1252"',
                                                                                      'charset="utf-8"')
    message.set_content(html_part, subtype="html", charset="utf-8", cte="quoted-printable")
    message.make_related()
    message.get_payload()[0]["Content-Location"] = "https://riverside-library.example.invalid/news/renovation"
    message.get_payload()[0]["Content-ID"] = "<frame-1@mhtml.blink>"
    message.add_related(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png",
                        headers=["Content-Location: https://images.example.invalid/roof.jpg"])
    message.add_related("body { font-family: serif; }", subtype="css",
                        headers=["Content-Location: https://cdn.example.invalid/site.css"])
    message.set_param("type", "text/html")
    message.set_boundary("----MultipartBoundary--riverside-1")
    (HERE / "renovation-news.mhtml").write_bytes(message.as_bytes())


def epub() -> None:
    """An EPUB 2 (NCX table of contents) whose spine order differs from its manifest and file
    order, with an auxiliary (linear="no") notes page, written with zipfile as the spec lays out."""
    chapters = {
        "text/part2.xhtml": ("The work", [SENTENCES[1], SENTENCES[3]]),
        "text/part1.xhtml": ("The decision", [SENTENCES[0]]),
        "text/notes.xhtml": ("Notes", ["Auxiliary notes that a reader opens from links only."]),
        "text/part3.xhtml": ("Next steps", [SENTENCES[2], SENTENCES[4]]),
    }

    def xhtml(title: str, paragraphs: list[str]) -> bytes:
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
                f'"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
                f"<head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>").encode()

    manifest = "".join(f'<item id="{Path(p).stem}" href="{p}" media-type="application/xhtml+xml"/>' for p in chapters)
    opf = f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{TITLE}</dc:title><dc:creator>Library board</dc:creator>
<dc:language>en</dc:language><dc:identifier id="id">urn:uuid:5b1e6c3a-9d2f-4c41-8a0e-7f00a1b2c3d4</dc:identifier></metadata>
<manifest>{manifest}<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/></manifest>
<spine toc="ncx"><itemref idref="part1"/><itemref idref="part2"/><itemref idref="notes" linear="no"/><itemref idref="part3"/></spine>
</package>"""
    ncx = f"""<?xml version="1.0" encoding="utf-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/><docTitle><text>{TITLE}</text></docTitle>
<navMap><navPoint id="n1" playOrder="1"><navLabel><text>The decision</text></navLabel><content src="text/part1.xhtml"/></navPoint></navMap></ncx>"""
    container = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")  # first and stored, as the spec asks
        z.writestr("META-INF/container.xml", container, zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/content.opf", opf, zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/toc.ncx", ncx, zipfile.ZIP_DEFLATED)
        for path, (title, paragraphs) in chapters.items():
            z.writestr(f"OEBPS/{path}", xhtml(title, paragraphs), zipfile.ZIP_DEFLATED)
    (HERE / "renovation.epub").write_bytes(out.getvalue())


def _dc_title(text: str):  # an odfpy element
    from odf.dc import Title

    return Title(text=text)


if __name__ == "__main__":
    for make in (pptx, xlsx_xlsxwriter, xlsx_openpyxl, odt, odp, ods, html, mhtml, epub):
        make()
        print("wrote", make.__name__)
