"""Language by identification: the corpus's multilingual documents are decided as a reader would."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.document import SECONDARY_ROLES
from desktop.core.ingest import read_document
from desktop.core.prompting.language import identify, plan

#: corpus file -> (language, what goes to the model: "whole", "part" or "none"), checked by eye.
EXPECTED = {
    "email/japanese-iso-2022-jp.eml": ("ja", "none"),         # was sent by the <unk> rule (0.056)
    "email/bilingual-ru-en-qp.eml": ("en", "part"),           # was refused whole (0.115)
    "email/korean-euc-kr-base64.eml": ("ko", "none"),
    "docx/tender-document-zh.docx": ("zh", "none"),
    "pdf/chelsea_pdta.pdf": ("fr", "whole"),                  # French: sent, with a note
    "pdf/multilang.pdf": ("en", "part"),
    "pdf/multicolumn.pdf": ("la", "none"),                    # lorem ipsum
    "email/accented-french-subject.msg": ("en", "whole"),     # French subject, English body
    "transcript/seattle-council-briefing-2021-08-02.vtt": ("en", "whole"),  # ALL CAPS
    "transcript/qmsum-covid_7-canada-committee.txt": ("en", "whole"),
    "docx/va-notice-of-intent-pws.docx": ("en", "whole"),
    "email/metrics-grimoire-thread-2015-11.mbox": ("en", "whole"),
    "pdf/federal-register-2020-17221.pdf": ("en", "whole"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_documents_are_decided_by_their_language(corpus: Path, name: str) -> None:
    doc = read_document(corpus / name)
    decision = plan(doc)
    language, sent = EXPECTED[name]
    assert decision.language == language
    assert sent == ("none" if decision.readable is None else "whole" if decision.whole else "part")
    notes = " ".join(decision.notes(doc.display_name))
    if sent == "none":
        assert "cannot read" in notes and "quotes" in notes
    elif sent == "part":
        assert "left out" in notes and decision.readable is not None
        # Headers stay as written (context for the reader); the text summarized is English only.
        kept = " ".join(b.text for b in decision.readable.blocks if b.role not in SECONDARY_ROLES)
        assert "English" in kept and not any("\u0400" <= c <= "\u04ff" for c in kept)
    elif language == "fr":
        assert "French" in notes and "less reliable" in notes
    else:
        assert notes == ""


def test_the_readable_part_keeps_locators(corpus: Path) -> None:
    doc = read_document(corpus / "email/bilingual-ru-en-qp.eml")
    part = plan(doc).readable
    assert part is not None
    assert {b.locator for b in part.blocks} <= {b.locator for b in doc.blocks}


@pytest.mark.parametrize(("text", "code"), [
    ("すみません。", "ja"),                       # five letters are enough when the script says it
    ("会议决定推迟预算投票，并要求提交风险摘要。", "zh"),
    ("А эта линия по-русски.", "ru"),
    ("THE COUNCIL BRIEFING MEETING WILL COME TO ORDER AT NINE THIRTY", "en"),
    ("Le conseil municipal a adopté le plan de mobilité active pour la ville.", "fr"),
    ("Die Sitzung wurde vertagt, weil der Haushalt noch nicht beschlossen war.", "de"),
    ("Comitetul a decis să amâne votul asupra bugetului până în martie.", "ro"),
    ("O comité decidiu adiar a votação do orçamento até março do próximo ano.", "pt"),
    ("Thanks", None),                             # too short to tell: follows the document
])
def test_identify(text: str, code: str | None) -> None:
    assert identify(text).code == code
