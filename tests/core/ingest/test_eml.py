"""Single emails (.eml): real messages from the corpus in many charsets and MIME shapes, and
messages of our own built with the standard library for the cases the corpus lacks."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.document import DocKind, Document, Role
from desktop.core.errors import EmptyDocument, LimitExceeded
from desktop.core.ingest import Format, eml, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.mailheaders import clean_name, decode_words
from desktop.core.ingest.mailtext import split_body
from desktop.core.limits import Limits
from tests.core.ingest._mail_fuzz import check_fails_cleanly, damaged

E = "email"
EML_FILES = [
    "apache-new-httpd-1997-latin1-from.eml", "bilingual-ru-en-qp.eml", "enclosed-endless-3MB.eml",
    "enron-era-bpa-list-x-uuencode.eml", "false-multipart.eml", "forwarded-rfc822-with-pdf.eml",
    "ietf-id-announcement-external-body.eml", "japanese-iso-2022-jp.eml", "korean-euc-kr-base64.eml",
    "mime-torture-test.eml", "missing-final-boundary.eml", "smime-signed.eml", "unencoded-latin1-subject.eml",
    "windows-1252-missing-close-boundary.eml", "yahoo-raw-utf8-cyrillic-filename.eml",
]


def _read(msg: EmailMessage | bytes, name: str = "message.eml", limits: Limits | None = None) -> Document:
    data = msg if isinstance(msg, bytes) else msg.as_bytes()
    ctx = ReadContext(path=Path(name), limits=limits or Limits())
    return read_bytes(data, ctx)


def _body(doc: Document) -> list[tuple[Role, str]]:
    return [(b.role, b.text) for b in doc.blocks if b.role is not Role.HEADER]


@pytest.mark.parametrize("name", EML_FILES)
def test_every_corpus_email_is_sniffed_as_eml(corpus: Path, name: str) -> None:
    path = corpus / E / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.EML


def test_raw_latin1_display_name_and_quoted_reply(corpus: Path) -> None:
    doc = read_document(corpus / E / "apache-new-httpd-1997-latin1-from.eml")
    assert doc.kind is DocKind.EMAIL
    assert doc.title == "Re: running server as root (Was: Re: PUT method)"
    assert doc.metadata["from"] == "Ingo Lütkebohle <ingo@blank.pages.de>"
    assert doc.metadata["to"] == ["new-httpd@apache.org"]
    assert doc.metadata["date"] == "1997-07-12T22:11:13+02:00"
    assert doc.metadata["message_count"] == 1 and doc.metadata["attachments"] == []
    for block in doc.blocks:
        assert block.locator.message == 1
        assert block.locator.sender == "Ingo Lütkebohle"
        assert block.locator.date == "1997-07-12T22:11:13+02:00"
    assert doc.blocks[0].role is Role.HEADER
    quote = next(b for b in doc.blocks if b.role is Role.QUOTE)
    assert quote.text.startswith("Marc Slemko wrote:\nIf you have a real uid of root")
    assert ">" not in quote.text
    reply = next(b for b in doc.blocks if b.role is Role.PARAGRAPH)
    assert reply.text.startswith("Isn't that the case for almost every other server")


def test_unencoded_latin1_subject(corpus: Path) -> None:
    doc = read_document(corpus / E / "unencoded-latin1-subject.eml")
    assert doc.title == "Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro"
    assert doc.blocks[0].locator.sender == "Formação Frenetikpolis"  # RFC 2047 inside quotes, cp1252
    assert doc.metadata["to"] == ["martin@internet.ao", "iris@internet.ao", "support@maxnet.ao"]
    assert _body(doc) == [(Role.PARAGRAPH, "TEST")]


@pytest.mark.parametrize(
    ("name", "subject", "phrase"),
    [
        ("bilingual-ru-en-qp.eml", "Simple text. How are you? Как ты поживаешь?", "А эта линия по-русски."),
        ("japanese-iso-2022-jp.eml", "まみむめも", "すみません。"),
        ("korean-euc-kr-base64.eml", "NOTE: 한국말로 하는 것", "제 이름은 Jamis입니다."),
        ("windows-1252-missing-close-boundary.eml", "Object - subject", "Test email ****"),
        ("missing-final-boundary.eml", "Test", "Some body"),
        ("smime-signed.eml", "M2Crypto S/MIME testing", "a pöstal sign of our times"),
    ],
)
def test_charsets_and_transfer_encodings(corpus: Path, name: str, subject: str, phrase: str) -> None:
    doc = read_document(corpus / E / name)
    assert doc.title == subject
    assert any(phrase in text for role, text in _body(doc) if role is Role.PARAGRAPH)


def test_encoded_recipient_and_sender_names(corpus: Path) -> None:
    jp = read_document(corpus / E / "japanese-iso-2022-jp.eml")
    assert jp.metadata["to"] == ["みける <raasdnil@gmail.com>"]
    assert "date" not in jp.metadata and jp.blocks[0].locator.date is None
    swiss = read_document(corpus / E / "windows-1252-missing-close-boundary.eml")
    assert swiss.metadata["from"] == "Müller Peter <Peter.Mueller@domain.ch>"
    assert swiss.metadata["cc"] == ["Müller Peter <Peter.Mueller@domain.ch>"]
    # multipart/alternative: the text/plain part only, the HTML copy not repeated.
    assert _body(swiss) == [(Role.PARAGRAPH, "Test email *********************************************************")]


def test_a_nul_in_an_encoded_words_charset_is_not_a_crash() -> None:
    # Found by the damaged-email property (a flipped byte in "=?Windows-1252?Q?...?="): Python's
    # codec lookup raises ValueError, not LookupError, for a name with a NUL in it.
    raw = (b"From: =?\x00indows-1252?Q?M=FCller_Peter?= <peter@example.ch>\n"
           b"To: =?Windows-1252?Q?M=FCller_Peter?= <peter@example.ch>\n"
           b"Subject: =?\x00tf-8?Q?caf=C3=A9?=\n\nThe body.\n")
    doc = _read(raw, "damaged.eml")
    assert doc.metadata["from"] == "Müller Peter <peter@example.ch>"
    assert decode_words("=?\x00indows-1252?Q?M=FCller?=") == "Müller"


def test_signed_message_ignores_the_signature_blob(corpus: Path) -> None:
    doc = read_document(corpus / E / "smime-signed.eml")
    assert doc.metadata["attachments"] == [] and doc.children == [] and doc.warnings == []
    assert "MIIG" not in doc.text()


def test_raw_utf8_attachment_name_is_listed_not_read(corpus: Path) -> None:
    doc = read_document(corpus / E / "yahoo-raw-utf8-cyrillic-filename.eml")
    assert doc.title == "Hello" and doc.blocks[0].locator.sender == "Bob"
    (name,) = doc.metadata["attachments"]
    assert name.startswith("Картинка с очень, очень длинным предлинным именем") and "\ufffd" not in name
    assert doc.children == []  # a PNG: listed, never read
    assert _body(doc) == [(Role.PARAGRAPH, "Hello")]


def test_forwarded_message_with_broken_pdf(corpus: Path) -> None:
    doc = read_document(corpus / E / "forwarded-rfc822-with-pdf.eml")
    assert doc.title == "testing" and doc.metadata["attachments"] == ["ForwardedMessage.eml"]
    assert _body(doc) == [(Role.PARAGRAPH, "This is the first part.")]
    (fwd,) = doc.children
    assert (fwd.kind, fwd.part, fwd.title) == (DocKind.EMAIL, "ForwardedMessage.eml", "Another PDF")
    assert fwd.metadata["from"] == "Test Tester <xxxx@xxxx.com>"
    assert fwd.metadata["date"] == "2005-05-10T11:26:39-06:00"
    assert fwd.blocks[1].text.startswith("Just attaching another PDF, here")
    assert fwd.blocks[1].locator.sender == "Test Tester"
    assert fwd.metadata["attachments"] == ["broken.pdf"]
    # The damaged PDF is one warning on the message that carried it; reading went on.
    assert fwd.children == []
    assert len(fwd.warnings) == 1 and "broken.pdf" in fwd.warnings[0]


def test_enclosed_endless_finishes_fast_with_bounded_depth(corpus: Path) -> None:
    started = time.perf_counter()
    doc = read_document(corpus / E / "enclosed-endless-3MB.eml")
    assert time.perf_counter() - started < 5.0
    assert doc.title == "Wow" and doc.blocks[0].locator.sender == "Sasha Simple"
    assert doc.metadata["to"] == ["Александр Клижентас☯ <example@example.com>"]
    (thanks,) = doc.children
    assert (thanks.part, thanks.title) == ("thanks.eml", "Thanks!")
    assert any("чтобы я без вас делал" in b.text for b in thanks.blocks)
    assert any(b.role is Role.SIGNATURE and "Co-founder and CEO of Mailgun" in b.text for b in thanks.blocks)
    assert max(d.part.count("/") for d in doc.walk() if d.part) < Limits().max_depth


def test_mime_torture(corpus: Path) -> None:
    doc = read_document(corpus / E / "mime-torture-test.eml")
    assert doc.title == "Multi-media mail demonstration"
    assert doc.blocks[0].locator.sender == "Mark Crispin"
    assert doc.blocks[1].text.startswith("This is a demonstration of multi-part mail with encapsulated messages.")
    names = doc.metadata["attachments"]
    assert {"audio.basic", "image.pbm", "image.gif", "Here's some more.eml", "Audio in q-p.eml"} <= set(names)
    assert all(c.kind is DocKind.EMAIL for c in doc.children)  # images, audio, PostScript: listed only
    more = next(c for c in doc.children if c.part == "Here's some more.eml")
    assert "Alice's PDP-10" in more.text()
    (multipart,) = more.children
    assert multipart.title == "A Multipart message"
    assert multipart.blocks[1].locator.sender == "Nathaniel S. Borenstein"
    assert [c.title for c in multipart.children] == ["Monster!"]


def test_uuencoded_word_attachment_and_signature(corpus: Path) -> None:
    doc = read_document(corpus / E / "enron-era-bpa-list-x-uuencode.eml")
    assert doc.title == "PGP Comments on RTO West Release of Dec. 14"
    assert doc.metadata["attachments"] == ["PGP_Cmts_on_12-14-01_Pkg.doc"] and doc.children == []
    body = _body(doc)
    assert body[0] == (Role.PARAGRAPH, "Attached are the comments of the Public Generating Pool.")
    assert body[1][0] is Role.SIGNATURE and "Northwest Economic Research, Inc." in body[1][1]


def test_external_body_is_not_fetched(corpus: Path) -> None:
    doc = read_document(corpus / E / "ietf-id-announcement-external-body.eml")
    assert doc.title == "I-D ACTION:draft-ietf-http-authentication-00.txt (fwd)"
    assert "Digest Access Authentication" in doc.text()
    assert doc.children == []
    assert doc.warnings == [
        (
            "ietf-id-announcement-external-body.eml refers to draft-ietf-http-authentication-00.txt stored "
            "elsewhere; Precis does not download it."
        )
    ]


def test_headers_only_message_is_empty(corpus: Path) -> None:
    with pytest.raises(EmptyDocument, match="false-multipart.eml"):
        read_document(corpus / E / "false-multipart.eml")


# --- messages of our own -------------------------------------------------------------------------

def _message(subject: str = "Budget", body: str | None = "Hello team.") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice Example <alice@example.com>"
    msg["To"] = "Bob <bob@example.com>, carol@example.com"
    msg["Date"] = "Tue, 05 Mar 2024 10:00:00 +0100"
    msg["Subject"] = subject
    if body is not None:
        msg.set_content(body)
    return msg


def test_html_only_body_is_clean_text_with_quotes_marked() -> None:
    msg = _message(body=None)
    msg.set_content(
        "<html><head><style>p {color: red}</style><script>alert('x')</script><title>t</title></head><body>"
        "<p>The numbers are final.</p><p>Please sign off by Friday.</p>"
        "<div>On Mon, 4 Mar 2024, Bob wrote:</div><blockquote><p>Are the numbers final?</p></blockquote>"
        "<img src='https://tracker.example.com/pixel.gif'></body></html>",
        subtype="html",
    )
    doc = _read(msg)
    assert doc.metadata["to"] == ["Bob <bob@example.com>", "carol@example.com"]
    assert doc.metadata["date"] == "2024-03-05T10:00:00+01:00"
    body = _body(doc)
    assert body[:2] == [(Role.PARAGRAPH, "The numbers are final."), (Role.PARAGRAPH, "Please sign off by Friday.")]
    assert body[2][0] is Role.QUOTE and "Are the numbers final?" in body[2][1]
    assert "alert" not in doc.text() and "color" not in doc.text() and "tracker" not in doc.text()


def test_plain_text_preferred_over_html_alternative() -> None:
    msg = _message(body="Plain version.")
    msg.add_alternative("<p>HTML version.</p>", subtype="html")
    assert _body(_read(msg)) == [(Role.PARAGRAPH, "Plain version.")]


def test_outlook_reply_and_signature_are_marked_not_dropped() -> None:
    body = (
        "Agreed, let's ship it.\n\nKind regards,\nAlice Example\nHead of Finance\n\n"
        "-----Original Message-----\nFrom: Bob <bob@example.com>\nSent: Monday, March 4, 2024 9:00 AM\n"
        "To: Alice Example\nSubject: Budget\n\nShall we ship the budget?\n"
    )
    roles = [role for role, _ in _body(_read(_message(body=body)))]
    assert roles == [Role.PARAGRAPH, Role.SIGNATURE, Role.QUOTE]
    sig_delimited = _body(_read(_message(body="Short answer: yes.\n\n-- \nAlice\n+1 555 0100\n")))
    assert sig_delimited == [(Role.PARAGRAPH, "Short answer: yes."), (Role.SIGNATURE, "--\nAlice\n+1 555 0100")]


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Mar 4, 2024 at 10:00 AM Bob <bob@example.com>\nwrote:",
        "Am 04.03.2024 um 10:00 schrieb Bob <bob@example.de>:",
        "Le lun. 4 mars 2024 à 10:00, Bob <bob@example.fr> a écrit :",
    ],
)
def test_top_posted_history_without_quote_marks(attribution: str) -> None:
    segments = split_body(f"Fine by me.\n\n{attribution}\nThe old message.\n")
    assert segments == [(Role.PARAGRAPH, "Fine by me."), (Role.QUOTE, f"{attribution}\nThe old message.")]


def test_sentences_that_only_look_like_attributions_stay_text() -> None:
    text = "On reflection, here is what I wrote:\nItem one.\n\nThanks for the quick review of the draft."
    assert [role for role, _ in split_body(text)] == [Role.PARAGRAPH, Role.PARAGRAPH]


def test_attachments_become_children_with_safe_names() -> None:
    msg = _message()
    inner = _message(subject="Original request", body="Please send the report.")
    msg.add_attachment(inner.as_bytes(), maintype="application", subtype="octet-stream",
                       filename="../../etc/re\x07quest.eml")
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + bytes(64), maintype="image", subtype="png", filename="chart.png")
    msg.add_attachment(b"%PDF-1.4 this is not really a PDF", maintype="application", subtype="pdf",
                       filename="report.pdf")
    doc = _read(msg)
    assert doc.metadata["attachments"] == ["request.eml", "chart.png", "report.pdf"]
    (child,) = doc.children
    assert (child.part, child.title, child.kind) == ("request.eml", "Original request", DocKind.EMAIL)
    assert len(doc.warnings) == 1 and "report.pdf" in doc.warnings[0] and "\n" not in doc.warnings[0]


def test_limits_on_attachment_size_parts_and_depth() -> None:
    big = _message()
    big.add_attachment(b"x" * 5000, maintype="text", subtype="plain", filename="big.txt")
    doc = _read(big, limits=Limits(max_attachment_bytes=1000))
    assert doc.metadata["attachments"] == ["big.txt"] and doc.children == []
    assert doc.warnings == ["The attachment big.txt in message.eml is larger than 1,000 bytes and was not read."]

    many = _message()
    for i in range(30):
        many.add_attachment(bytes([i]) * 10, maintype="image", subtype="gif", filename=f"{i}.gif")
    doc = _read(many, limits=Limits(max_mime_parts=10))
    assert len(doc.metadata["attachments"]) < 10
    assert doc.warnings == ["message.eml has more than 10 MIME parts; the rest were not read."]

    nested = _message(subject="level 0")
    for level in range(1, 20):
        outer = _message(subject=f"level {level}", body="wrapper")
        outer.add_attachment(nested)
        nested = outer
    doc = _read(nested, limits=Limits(max_depth=3))
    chain = list(doc.walk())
    assert [d.title for d in chain] == ["level 19", "level 18", "level 17", "level 16"]
    assert "nests attachments more than 3 levels deep" in chain[-1].warnings[0]


def test_thousands_of_nested_messages_fail_cleanly_and_fast() -> None:
    data = b"From: x@example.com\nSubject: inner\n\nhello\n"
    for i in range(3000):
        data = b"From: a@example.com\nSubject: level %d\nContent-Type: message/rfc822\n\n" % i + data
    started = time.perf_counter()
    with pytest.raises(LimitExceeded, match="too deeply"):
        _read(data)
    assert time.perf_counter() - started < 5.0


def test_header_helpers() -> None:
    # Adjacent encoded words are joined before decoding: a character may be split across them.
    assert decode_words("=?utf-8?B?0J/RgNC4?= =?utf-8?B?0LLQtdGC?=") == "Привет"
    assert decode_words("=?utf-8?q?Luc=eda?= x") == "Lucía x"  # not UTF-8 after all: cp1252
    assert decode_words("=?bogus-charset?Q?caf=E9?=") == "café"
    assert clean_name("..\\..\\evil\u202egpj.exe") == "evilgpj.exe"
    assert clean_name("\x00\x01") == "attachment"


SMALL = ["apache-new-httpd-1997-latin1-from.eml", "forwarded-rfc822-with-pdf.eml", "smime-signed.eml",
         "windows-1252-missing-close-boundary.eml", "ietf-id-announcement-external-body.eml"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_damaged_emails_fail_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(SMALL))
    damaged_bytes = data.draw(damaged((corpus / E / name).read_bytes()))
    check_fails_cleanly(eml.read, damaged_bytes, name)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_damaged_large_emails_fail_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["mime-torture-test.eml", "enclosed-endless-3MB.eml"]))
    damaged_bytes = data.draw(damaged((corpus / E / name).read_bytes()))
    check_fails_cleanly(eml.read, damaged_bytes, name)
