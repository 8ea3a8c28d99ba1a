"""Mailboxes (.mbox) read as one thread: real mailing-list archives and mailboxes of our own."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.document import DocKind, Document, Role
from desktop.core.errors import EmptyDocument
from desktop.core.ingest import Format, mbox, read_bytes, read_document, sniff
from desktop.core.ingest.context import ReadContext
from desktop.core.limits import Limits
from tests.core.ingest._mail_fuzz import check_fails_cleanly, damaged

E = "email"
MBOX_FILES = ["metrics-grimoire-thread-2015-11.mbox", "gnome-lists-complex.mbox", "iso8859-bytes-in-from-line.mbox"]


def _read(data: bytes, name: str = "thread.mbox", limits: Limits | None = None) -> Document:
    return read_bytes(data, ReadContext(path=Path(name), limits=limits or Limits()))


def _entry(sender: str, date: str | None, subject: str, body: str) -> bytes:
    """One mbox entry: separator line, headers, body (with "From " lines escaped, as mboxrd does)."""
    msg = EmailMessage()
    msg["From"] = sender
    if date:
        msg["Date"] = date
    msg["Subject"] = subject
    msg.set_content(body)
    raw = msg.as_bytes().replace(b"\nFrom ", b"\n>From ")
    return b"From sender@example.com Mon Jan  1 00:00:00 2024\n" + raw + b"\n"


@pytest.mark.parametrize("name", MBOX_FILES)
def test_every_corpus_mailbox_is_sniffed_as_mbox(corpus: Path, name: str) -> None:
    path = corpus / E / name
    assert sniff(path.read_bytes(), ReadContext(path)) is Format.MBOX


def test_metrics_grimoire_thread(corpus: Path) -> None:
    doc = read_document(corpus / E / "metrics-grimoire-thread-2015-11.mbox")
    assert doc.kind is DocKind.MAILBOX
    assert doc.title == doc.metadata["subject"] == "Docker and MetricsGrimoire"
    assert doc.metadata["message_count"] == 4
    assert doc.metadata["participants"] == ["Andy Grunwald", "Jesus M. Gonzalez-Barahona"]
    assert doc.metadata["date_range"] == ["2015-11-14T21:29:28+01:00", "2015-11-28T21:25:30+01:00"]
    headings = [b for b in doc.blocks if b.role is Role.HEADING]
    assert [h.locator.message for h in headings] == [1, 2, 3, 4]
    assert headings[1].text == "[Metrics-grimoire] Docker and MetricsGrimoire — Jesus M. Gonzalez-Barahona, 2015-11-15 23:43"
    assert all(b.locator.message and b.locator.sender and b.locator.date for b in doc.blocks)

    second = [b for b in doc.blocks if b.locator.message == 2]
    assert second[1].text == "This is cool, Andy." and second[1].role is Role.PARAGRAPH
    assert second[1].locator.sender == "Jesus M. Gonzalez-Barahona"
    assert second[1].locator.date == "2015-11-15T23:43:49+01:00"
    quote = next(b for b in second if b.role is Role.QUOTE)
    assert quote.text.startswith("On Sat, 2015-11-14 at 21:29 +0100, Andy Grunwald wrote:\nHey,")
    assert any(b.role is Role.SIGNATURE and "twitter.com/jgbarah" in b.text for b in second)
    last = [b for b in doc.blocks if b.locator.message == 4]
    assert last[1].text.startswith("I thought: Just do it.") and last[1].locator.sender == "Andy Grunwald"
    # The archive's "An HTML attachment was scrubbed" note is kept, but not as the sender's text.
    assert all("scrubbed" not in b.text for b in doc.blocks if b.role is Role.PARAGRAPH)


def test_gnome_list_messages(corpus: Path) -> None:
    doc = read_document(corpus / E / "gnome-lists-complex.mbox")
    assert doc.metadata["message_count"] == 2
    assert doc.metadata["participants"] == ["Eugenia Loli-Queru", "Danilo Šegan"]
    first = [b for b in doc.blocks if b.locator.message == 1]
    assert [b.role for b in first] == [Role.HEADING, Role.QUOTE, Role.PARAGRAPH, Role.PARAGRAPH, Role.SIGNATURE]
    assert first[-1].text == "Rgds,\nEugenia"
    second = [b for b in doc.blocks if b.locator.message == 2]
    assert second[1].text == "Hi Simos,"
    assert second[2].role is Role.QUOTE
    assert second[2].text.startswith("Yesterday at 15:02, Simos Xenitellis wrote:\n\nI'll like to see some real numbers")
    # quoted-printable UTF-8 body: the em dash survives.
    assert any("Ubuntu packaging stuff—it'd be worth checking" in b.text for b in second)


def test_latin1_bytes_in_separator_line(corpus: Path) -> None:
    path = corpus / E / "iso8859-bytes-in-from-line.mbox"
    with pytest.raises(UnicodeDecodeError):  # why this reader splits the file itself
        list(mailbox.mbox(path))
    doc = read_document(path)
    assert doc.title == "Remittance Advice"
    assert doc.metadata["participants"] == ["Lucía Charlie"]
    assert doc.blocks[1].text == "Hello," and doc.blocks[1].locator.date == "2016-11-07T19:44:27+01:00"
    assert doc.blocks[-1].role is Role.SIGNATURE and doc.blocks[-1].text.startswith("Regards\n")


def test_messages_sorted_oldest_first_undated_keep_their_place() -> None:
    data = (
        _entry("Carol <carol@example.com>", "Wed, 03 Jan 2024 09:00:00 +0000", "Re: Plan", "Third.")
        + _entry("Dan <dan@example.com>", None, "Re: Plan", "Undated, after Carol in the file.")
        + _entry("Alice <alice@example.com>", "Mon, 01 Jan 2024 09:00:00 +0000", "Plan", "First.\n\nFrom here on we agree.")
        + _entry("Bob <bob@example.com>", "Tue, 02 Jan 2024 09:00:00 -0500", "Re: Plan", "Second.")
    )
    doc = _read(data)
    heads = [b for b in doc.blocks if b.role is Role.HEADING]
    assert [h.locator.sender for h in heads] == ["Alice", "Bob", "Carol", "Dan"]
    assert [h.locator.message for h in heads] == [1, 2, 3, 4]
    assert heads[3].locator.date is None
    assert doc.title == "Plan" and doc.metadata["participants"] == ["Alice", "Bob", "Carol", "Dan"]
    # ">From here" in the file is the sender's "From here": unescaped, and no message boundary.
    assert any(b.text == "From here on we agree." for b in doc.blocks)


def test_mailbox_limits_and_attachments() -> None:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.com>"
    msg["Subject"] = "Notes"
    msg.set_content("See attached.")
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + bytes(32), maintype="image", subtype="png", filename="photo.png")
    inner = EmailMessage()
    inner["From"] = "Bob <bob@example.com>"
    inner["Subject"] = "Original"
    inner.set_content("The original text.")
    msg.add_attachment(inner)
    data = b"From alice Mon Jan  1 00:00:00 2024\n" + msg.as_bytes() + b"\n" + _entry("Bob <bob@example.com>", None, "x", "y")
    doc = _read(data * 3, limits=Limits(max_messages=4))
    assert doc.metadata["message_count"] == 4
    assert doc.warnings == ["thread.mbox holds 6 messages; only the first 4 were read."]
    assert doc.metadata["attachments"].count("photo.png") == 2
    assert [c.part for c in doc.children] == ["Original.eml", "Original (2).eml"]
    assert doc.children[0].blocks[-1].text == "The original text."


def test_one_hostile_message_does_not_cost_the_mailbox() -> None:
    deep = b"From: x@example.com\nSubject: inner\n\nhello\n"
    for i in range(3000):
        deep = b"From: a@example.com\nSubject: level %d\nContent-Type: message/rfc822\n\n" % i + deep
    ok = _entry("Bob <bob@example.com>", "Mon, 01 Jan 2024 09:00:00 +0000", "Hi", "word " * 100)
    data = ok + b"From b Mon Jan  1 00:00:00 2024\n" + deep + b"\n" + ok + ok
    doc = _read(data, limits=Limits(max_chars=700))
    assert doc.metadata["message_count"] == 2
    assert doc.warnings == [
        "Message 2 in the file was skipped: thread.mbox nests messages too deeply to read safely.",
        "thread.mbox holds more text than Precis reads from one document; only its first 3 messages were read.",
    ]


def test_sniffing_one_message_with_a_from_line_is_an_email() -> None:
    one = _entry("Alice <alice@example.com>", None, "Hi", "Hello.")
    assert sniff(one, ReadContext(Path("saved.eml"))) is Format.EML
    assert sniff(one, ReadContext(Path("saved.mbox"))) is Format.MBOX
    assert sniff(one + one, ReadContext(Path("unnamed"))) is Format.MBOX
    assert mbox.split_messages(b"\n\n") == []
    with pytest.raises(EmptyDocument):
        _read(b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\n\n")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_damaged_mailboxes_fail_cleanly(corpus: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(MBOX_FILES))
    damaged_bytes = data.draw(damaged((corpus / E / name).read_bytes()))
    check_fails_cleanly(mbox.read, damaged_bytes, name)
