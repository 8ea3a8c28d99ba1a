"""Text a browser or mail client would not show is not read: hidden attributes, inline styles and
the page's own style rules, in web pages, saved pages, e-books and HTML mail; what is shown stays."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

from desktop.core.document import Role
from desktop.core.ingest import read_bytes, read_document
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.mailhtml import html_to_text
from desktop.core.ingest.web.markup import read_page
from desktop.core.ingest.web.stylesheet import MAX_STYLE_CHARS
from tests.core.ingest.test_web import _epub

FILES = Path(__file__).resolve().parents[2] / "files" / "documents"


def test_a_newsletter_mail_loses_its_preheader_tracking_block_and_mobile_menu() -> None:
    doc = read_document(FILES / "hidden-newsletter.eml")
    text = doc.text()
    for hidden in ("Ten new titles, a late-night reading room",  # preheader: a class in <style>, !important
                   "Preview spacing filler",  # inline display:none
                   "Cerberus-style preview",  # max-height:0 + overflow:hidden, aria-hidden
                   "Menu: Events",  # shown only by a max-width media query (a phone)
                   "Internal note for the editor", "Opens in a new window",  # ".visually-hidden, .hidden" list
                   "Draft paragraph",  # the hidden attribute
                   "Tracking block", "campaign 7f3a2c",  # DISPLAY : NONE !IMPORTANT
                   "rl-99812"):  # visibility : hidden
        assert hidden not in text, hidden
    for shown in ("Events · Catalogue",  # hidden only on a phone
                  "The reading room reopens on 3 June", "forty new desks", "until ten in the evening",
                  "Ten new titles", "the spring vote",  # columns in a font-size:0 cell (a whitespace trick)
                  "Summer quiz", "answer sheets are at the front desk"):
        assert shown in text, shown


def test_a_web_page_drops_what_its_own_style_rules_and_attributes_hide() -> None:
    doc = read_document(FILES / "hidden-page.html")
    text = doc.text()
    for hidden in ("Skip to main content", "cookies", "Home", "Article tools", "Editor's note", "Tooltip",
                   "opens the floor plan as a PDF", "Screen reader label", "archived events from 2019",
                   "Printed on the library's printer", "survey invitation", "Invisible placeholder", "★",
                   "Template row", "Enable JavaScript"):
        assert hidden not in text, hidden
    assert [b.text for b in doc.blocks] == [
        "The reading room reopens on 3 June",
        "After eight months of work the reading room opens again with forty new desks.",
        "The room stays open until ten in the evening on weekdays.",
        "See the floor plan.",
        "Readers can book a desk at the front counter.",
        "Opening week events run from 3 to 9 June.",  # .toggle-panel.open shows it again
        "Responsive paragraph: shown on wide screens.",  # "hidden md:block"
        "Bootstrap paragraph: shown from the medium breakpoint up.",  # "d-none d-md-block", min-width 768px
        "A rule with an element and an id shows this paragraph again.",  # p#id outranks #id
        "Accordion answer: desks can be booked two weeks ahead.",  # hidden="until-found"
        "Visible closing line of the article."]


def test_the_cascade_inline_against_rules_and_important() -> None:
    page = ("<html><head><style>.a{display:none} .b{display:none !important} .c{display:block !important}"
            "</style></head><body><p class=a style='display:block'>Inline beats a rule.</p>"
            "<p class=b style='display:block'>An important rule beats inline.</p>"
            "<p class=c style='display:none'>An important rule shows it.</p>"
            "<p class=c style='display:none !important'>Important inline hides it.</p>"
            "<p style='display: none ; color: red'>Spaced inline.</p><p>Kept.</p></body></html>")
    texts = [item.text for item in read_page(page).items]
    assert texts == ["Inline beats a rule.", "An important rule shows it.", "Kept."]


def test_selectors_it_does_not_understand_are_left_out_not_guessed() -> None:
    page = ("<html><head><style>div > p, p:first-child, [data-x], .menu li, * {display:none}</style></head>"
            "<body><div><p>Child paragraph.</p></div><ul class=menu><li>Item</li></ul>"
            "<p data-x=1>Attribute paragraph.</p></body></html>")
    assert [item.text for item in read_page(page).items] == ["Child paragraph.", "Item", "Attribute paragraph."]


def test_a_page_whose_text_is_all_hidden_is_read_whole_and_noscript_is_a_last_resort() -> None:
    # A single-page app shows its content from a script once it has loaded.
    app = "<html><body><div id=app style='display:none'><h1>Agenda</h1><p>Item one.</p></div></body></html>"
    assert [item.text for item in read_page(app).items] == ["Agenda", "Item one."]
    only_noscript = "<html><body><noscript><p>The full article for readers without scripts.</p></noscript></body></html>"
    assert [item.text for item in read_page(only_noscript).items] == ["The full article for readers without scripts."]
    body_hidden = "<html><head><style>body{display:none}</style></head><body><p>Shown by a script.</p></body></html>"
    assert [item.text for item in read_page(body_hidden).items] == ["Shown by a script."]


def test_html_mail_bodies_share_the_rule() -> None:
    html = ("<html><head><style>.preheader{display:none!important}</style></head><body>"
            "<span class='preheader'>Preview line.</span><p>The message.</p>"
            "<blockquote><p style='display:none'>Hidden quote.</p><p>Quoted reply.</p></blockquote></body></html>")
    text = html_to_text(html)
    assert "Preview line" not in text and "Hidden quote" not in text
    assert "The message." in text and "> Quoted reply." in text
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Plan"
    message.set_content("Plain part.")
    message.add_alternative(html, subtype="html")
    message.add_attachment(html.encode(), maintype="text", subtype="html", filename="page.html")
    doc = read_bytes(message.as_bytes(), ReadContext(Path("m.eml")))
    attached = doc.children[0]  # a web page sent as an attachment is read like any page
    assert attached.part == "page.html" and [b.text for b in attached.blocks] == ["The message.", "Quoted reply."]


def test_an_e_books_own_style_sheet_hides_and_a_saved_pages_saved_one_too() -> None:
    chapter = (b'<html xmlns="http://www.w3.org/1999/xhtml"><head><link rel="stylesheet" href="../css/book.css"/>'
               b'<link rel="stylesheet" href="https://fonts.example.invalid/f.css"/></head><body>'
               b'<h1>Chapter one</h1><p>The story begins.</p><p class="answer">Answer key: B.</p></body></html>')
    book = _epub('<itemref idref="c0"/>', {"text/one.xhtml": chapter}, {"css/book.css": b".answer { display: none }"})
    doc = read_bytes(book, ReadContext(Path("b.epub")))
    assert "The story begins." in doc.text() and "Answer key" not in doc.text()
    message = EmailMessage()
    message["Subject"] = "Saved page"
    message["Snapshot-Content-Location"] = "https://example.invalid/news/a.html"
    message.set_content("<html><head><link rel=stylesheet href='../s/site.css'></head><body>"
                        "<p>The article.</p><div class='promo'>Subscribe now!</div></body></html>", subtype="html")
    message.make_related()
    message.add_related(b".promo{display:none}", maintype="text", subtype="css")
    message.get_payload()[1]["Content-Location"] = "https://example.invalid/s/site.css"
    message.get_payload()[0]["Content-Location"] = "https://example.invalid/news/a.html"
    saved = read_bytes(message.as_bytes(), ReadContext(Path("page.mhtml")))
    assert "The article." in saved.text() and "Subscribe" not in saved.text()


def test_style_text_is_bounded() -> None:
    filler = ".x{color:red}" * (MAX_STYLE_CHARS // 13 + 10)
    page = (f"<html><head><style>{filler}</style><style>.late{{display:none}}</style></head>"
            f"<body><p class=late>Past the style budget, so shown.</p><p>Kept.</p></body></html>")
    started = time.perf_counter()
    items = read_page(page).items
    assert time.perf_counter() - started < 10
    assert [item.text for item in items] == ["Past the style budget, so shown.", "Kept."]


def test_headings_and_tables_lose_hidden_parts_too() -> None:
    page = ("<html><body><h2>Costs<span style='display:none'> (draft)</span></h2><table><tr><th>Work</th>"
            "<th hidden>Code</th><th>Cost</th></tr><tr><td>Roof</td><td hidden>R-1</td><td>48,000</td></tr>"
            "</table></body></html>")
    items = read_page(page).items
    assert (items[0].text, items[0].role) == ("Costs", Role.HEADING)
    assert items[1].text == "Work | Cost\nRoof | 48,000"
