"""8-bit mail in Cyrillic and CJK encodings that declares no charset, or the wrong one, comes out as
the text it was written as (body, subject and the sender's name), then meets the language gate.
Real public-domain text, encoded with Python's codecs."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.ingest import read_bytes
from desktop.core.ingest.context import ReadContext
from desktop.core.ingest.encoding import decode_text, legible
from desktop.core.ingest.mailheaders import decode_8bit
from desktop.core.prompting.language import plan
from tests.core.ingest._legacy_texts import LANGUAGES, NAMES, SAMPLES, SUBJECTS

#: A label of another script each text is mislabelled with (mail clients mix up these pairs).
WRONG_NEIGHBOUR = {"cp1251": "koi8-r", "koi8_r": "windows-1251", "big5": "gb2312", "gbk": "big5",
                   "shift_jis": "euc-jp", "euc_kr": "iso-2022-kr"}
CASES = [(codec, label) for codec, _ in SAMPLES
         for label in (None, "", "iso-8859-1", "us-ascii", "utf-8", WRONG_NEIGHBOUR[codec])]


def _mail(codec: str, label: str | None) -> bytes:
    body = dict(SAMPLES)[codec]
    name = dict(NAMES)[codec]
    head = (f"From: {name} <author@example.org>\nTo: reader@example.org\nSubject: {SUBJECTS[codec]}\n"
            "Date: Thu, 14 Mar 2024 10:30:00 +0000\nMessage-ID: <1@example.org>\nMIME-Version: 1.0\n")
    if label is not None:
        charset = f'; charset="{label}"' if label else ""
        head += f"Content-Type: text/plain{charset}\nContent-Transfer-Encoding: 8bit\n"
    return head.encode(codec) + b"\n" + body.encode(codec) + b"\n"


@pytest.mark.parametrize(("codec", "label"), CASES)
def test_body_subject_and_sender_come_out_as_written(codec: str, label: str | None) -> None:
    doc = read_bytes(_mail(codec, label), ReadContext(Path("letter.eml")))
    body = doc.blocks[-1]
    assert body.text == dict(SAMPLES)[codec]
    assert doc.title == SUBJECTS[codec]
    assert body.locator.sender == dict(NAMES)[codec]


@pytest.mark.parametrize("codec", [c for c, _ in SAMPLES])
def test_then_the_language_gate_sees_the_language_not_mojibake(codec: str) -> None:
    doc = read_bytes(_mail(codec, "iso-8859-1"), ReadContext(Path("letter.eml")))
    decision = plan(doc)
    assert LANGUAGES[codec] in decision.left_out and decision.readable is None


@pytest.mark.parametrize(("codec", "label"), [(c, "iso-8859-1") for c, _ in SAMPLES] + [("cp1251", "koi8-r")])
def test_an_encoded_word_with_the_wrong_charset_is_read_as_written(codec: str, label: str) -> None:
    import base64

    word = f"=?{label}?B?{base64.b64encode(SUBJECTS[codec].encode(codec)).decode()}?="
    mail = f"From: a@example.org\nSubject: {word}\nContent-Type: text/plain; charset={label}\n\n".encode() \
        + dict(SAMPLES)[codec].encode(codec)
    assert read_bytes(mail, ReadContext(Path("w.eml"))).title == SUBJECTS[codec]


@pytest.mark.parametrize("text", [
    "Le conseil a approuvé la rénovation de la bibliothèque municipale. Café à côté, très élégant.",
    "Die Bürgerinnen und Bürger müssen die Gebühren bis Freitag überweisen. Größe der Säle: 300 m².",
    "Rådet godkände renoveringen av läsesalen i mars; arbetet börjar efter påsk.",
])
def test_western_text_labelled_latin1_stays_as_it_is(text: str) -> None:
    data = text.encode("cp1252")
    assert decode_text(data, "iso-8859-1") == text
    mail = b"From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n" + data
    assert read_bytes(mail, ReadContext(Path("w.eml"))).blocks[-1].text == text


def test_a_western_name_without_a_charset_is_still_windows_1252() -> None:
    assert decode_8bit("José Müller".encode("cp1252")) == "José Müller"
    assert decode_8bit("Françoise".encode("cp1252"), "utf-8") == "Françoise"


def test_legible_tells_text_from_mojibake() -> None:
    for codec, text in SAMPLES:
        assert legible(text)
        assert not legible(text.encode(codec).decode("cp1252", errors="replace")), codec
    pushkin = dict(SAMPLES)["koi8_r"]
    assert not legible(pushkin.encode("koi8_r").decode("cp1251"))  # the cases swapped: "с РПНОА ЮХДОПЕ"
    assert legible("Plain English with a café.") and legible("")
