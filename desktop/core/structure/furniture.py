"""Furniture: what a document carries that is not what it says (issue 29).

A paper's reference list, a report's table of contents, a mailing list's footer, a legal notice,
a meeting chair's "can you hear me": kept in the Document for the source view (dimmed there) but
never summarized, quoted as a key point or an item, or sent to the model. Marked once at read
time (``core/ingest/finish.py``) by cheap, model-free rules per kind of document; each block's
``furniture`` names what it is. The same rules also judge single sentences
(``sentence_is_furniture``), because a speaker turn or a mail paragraph can mix procedure with
content, and only the procedure must not become a point.
"""

from __future__ import annotations

from collections import Counter

from desktop.core.document import Block, DocKind, Document, Role
from desktop.core.structure import furniture_mail, furniture_meetings, furniture_pages

#: The kinds of furniture, as ``Block.furniture`` names them (and the source view may show them).
REFERENCES = furniture_pages.REFERENCES
CONTENTS = furniture_pages.CONTENTS
INDEX = furniture_pages.INDEX
LEGAL = furniture_pages.LEGAL
RUNNING_HEAD = furniture_pages.RUNNING_HEAD
LIST_FOOTER = furniture_mail.LIST_FOOTER
MAIL_CLIENT = furniture_mail.MAIL_CLIENT
PROCEDURE = furniture_meetings.PROCEDURE

_MAIL = (DocKind.EMAIL, DocKind.MAILBOX)
_NAMES = {REFERENCES: "references", CONTENTS: "a table of contents", INDEX: "an index", LEGAL: "legal notices",
          RUNNING_HEAD: "page headers and footers", LIST_FOOTER: "mailing-list footers",
          MAIL_CLIENT: "mail-program boilerplate", PROCEDURE: "meeting procedure"}


def mark_furniture(doc: Document) -> None:
    """Set ``furniture`` on the blocks of ``doc`` (not its attachments) that are furniture."""
    marks: dict[int, str]
    if doc.kind in _MAIL:
        marks = furniture_mail.marks(doc.blocks)
    elif doc.kind is DocKind.TRANSCRIPT:
        marks = furniture_meetings.marks(doc.blocks)
    else:
        marks = furniture_pages.marks(doc.blocks)
    for i, block in enumerate(doc.blocks):
        block.furniture = marks.get(i)


def sentence_is_furniture(text: str, kind: DocKind) -> bool:
    """Is this one sentence furniture in a document of ``kind`` (procedure in a turn, a mail footer line)?"""
    if kind is DocKind.TRANSCRIPT:
        return furniture_meetings.is_procedure(text)
    if kind in _MAIL:
        return furniture_mail.is_boilerplate(text)
    return furniture_pages.is_legal(text) or furniture_meetings.is_speaking_rule(text)


def furniture_note(doc: Document) -> str | None:
    """The sentence a document whose text is all furniture gets instead of a summary; None otherwise."""
    texts = [b for b in doc.blocks if b.text.strip() and not _context(b, doc.kind)]
    if not texts or any(b.furniture is None for b in texts):
        return None
    kinds = [kind for kind, _ in Counter(b.furniture for b in texts).most_common() if kind]
    named = [_NAMES.get(k, k) for k in kinds[:3]]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return (f"{doc.display_name} holds only {listed}, nothing to summarize; "
            "the source view still shows all of it.")


def _context(block: Block, kind: DocKind) -> bool:
    """An email's own header block is context shown with it, not text of its own."""
    return kind in _MAIL and block.role is Role.HEADER
