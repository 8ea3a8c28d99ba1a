"""Furniture of paged documents (PDF, Word, text, scans): reference lists, tables of contents,
indexes, legal notices, Word's page headers and footers, and an agenda's rules for public comment.

A part is found by its heading ("References", "Table des matières", "Index", "Copyright notice")
and runs to the next heading of the same or a higher level; without a heading, a run of blocks
that each look like entries of one (three reference entries in a row, three contents lines with
page numbers) is marked too. Running heads and page numbers of PDFs never get this far: the PDF
reader drops them (``ingest/pdf_layout.py``).
"""

from __future__ import annotations

import re

from desktop.core.document import Block, Role
from desktop.core.structure.furniture_meetings import PROCEDURE, is_speaking_rule

REFERENCES = "references"
CONTENTS = "contents"
INDEX = "index"
LEGAL = "legal"
RUNNING_HEAD = "running head"

_NUMBERING = re.compile(r"^\s*(?:(?:\d{1,2}|[IVXivx]{1,5}|[A-Z])[.)]?\s+)?")
_REFERENCES_HEAD = re.compile(
    r"^(?:references?|bibliography|select(?:ed)? bibliography|works cited|literature cited|cited literature|"
    r"reference list|references and notes|notes and references|sources|bibliographie|r[ée]f[ée]rences"
    r"(?: bibliographiques)?|literatur(?:verzeichnis)?|quellen(?:verzeichnis)?|referencias(?: bibliogr[áa]ficas)?|"
    r"bibliograf[íi]a|riferimenti(?: bibliografici)?|literatuur(?:lijst)?)\s*:?$",
    re.IGNORECASE,
)
_CONTENTS_HEAD = re.compile(
    r"(?:^|\s)(?:table of contents|contents|table des mati[èe]res|sommaire|inhalt(?:sverzeichnis)?|[íi]ndice|"
    r"contenido|inhoud(?:sopgave)?)\s*:?$",
    re.IGNORECASE,
)
_INDEX_HEAD = re.compile(r"^(?:index|general index|subject index|name index|index of \w+|register|stichwortverzeichnis)\s*:?$",
                         re.IGNORECASE)
_LEGAL_HEAD = re.compile(
    r"^(?:copyright(?: notice)?|legal notice|legal disclaimer|disclaimer|confidentiality(?: notice)?|privacy notice|"
    r"trademarks?|avis (?:juridique|de non-responsabilit[ée])|mentions l[ée]gales|droits d.auteur|haftungsausschluss|"
    r"impressum)\s*:?$",
    re.IGNORECASE,
)
#: A contents line: a dot leader (the PDF reader writes "…") or tab before a page number.
_LEADER_PAGE = re.compile(r"(?:…|\.{3,}|\t)\s*[ivxlc\d]{1,4}\b", re.IGNORECASE)
_INDEX_ENTRY = re.compile(r"^[^\d\n]{2,80}(?:,\s*(?:\d{1,4}(?:[–-]\d{1,4})?|see (?:also )?\w+))+\.?$", re.IGNORECASE)
#: What reference entries look like, one class per pattern; an entry shows at least three.
_REFERENCE_FEATURES = (
    re.compile(r"^\s*(?:\[[A-Za-z+]{0,8}\d{1,4}[a-z]?\]|\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}\.)\s"),  # [Ab15], [12], 12.
    re.compile(r"\b[A-Z][a-z'’-]+,\s(?:[A-Z]\.\s?){1,3}|\b(?:[A-Z]\.\s?){1,3}[A-Z][a-z'’-]+\b"),  # Author, A. / A. Author
    re.compile(r"\((?:19|20)\d{2}[a-z]?\)|[,.]\s(?:19|20)\d{2}[a-z]?[.,;]"),  # (2015) / , 2015.
    re.compile(r"\bet al\.?"),
    re.compile(r"\bdoi\b|doi\.org|\barXiv\b|\bISBN\b|\bISSN\b|\bPMID\b", re.IGNORECASE),
    re.compile(r"\bpp?\.\s?\d+|\bvol\.\s?\d+|\bno\.\s?\d+|\b\d+\s?\(\d+\)\s?:\s?\d+", re.IGNORECASE),
    re.compile(r"\b(?:In Proc(?:eedings|\.)|Journal|Conference|Symposium|Workshop|Press|Publishers?|"
               r"Available(?: at| online)?:|Retrieved (?:from|on)|Accessed|URL:?)\b"),
    re.compile(r"[“\"][^”\"]{8,200}[,.]?[”\"]"),  # a quoted title
)
_LEGAL = (
    re.compile(r"\ball rights reserved\b|\btous droits réservés\b|\balle rechte vorbehalten\b", re.IGNORECASE),
    re.compile(r"^\s*(?:©|\(c\)\s*\d{4}|copyright\s+(?:©|\(c\)|\d{4}))", re.IGNORECASE),
    re.compile(r"\b(?:this|the)\s+(?:e-?mail|message|document|form|communication|transmission|information)\b[^.]{0,100}?"
               r"\b(?:is|are|contains?|may contain|includes?)\b[^.]{0,50}?\b(?:confidential|privileged|proprietary)",
               re.IGNORECASE),
    re.compile(r"\bintended (?:only|solely|exclusively)? ?for the (?:sole )?(?:use|attention) of\b", re.IGNORECASE),
    re.compile(r"\bif you (?:are not|have received this)\b[^.]{0,80}?\b(?:intended recipient|in error)\b", re.IGNORECASE),
    re.compile(r"\b(?:unauthori[sz]ed|any)\s+(?:use|review|disclosure|distribution|copying|dissemination|retransmission)\b"
               r"[^.]{0,120}?\b(?:prohibited|not permitted|strictly)\b", re.IGNORECASE),
)
#: A legal notice is a few sentences; a long paragraph that mentions "confidential" is content.
_LEGAL_MAX = 1200
_RUN = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def marks(blocks: list[Block]) -> dict[int, str]:
    """Block index -> furniture kind, for a paged document's blocks."""
    out: dict[int, str] = {}
    for i, block in enumerate(blocks):
        if block.role in (Role.HEADER, Role.FOOTER) and block.locator.page is None:
            out[i] = RUNNING_HEAD if not is_legal(block.text) else LEGAL  # Word's page headers and footers
    _headed_parts(blocks, out)
    _entry_runs(blocks, out, _is_reference, REFERENCES)
    _entry_runs(blocks, out, _is_contents_line, CONTENTS)
    for i, block in enumerate(blocks):
        if i not in out and len(block.text) <= _LEGAL_MAX and is_legal(block.text):
            out[i] = LEGAL
        elif i not in out and _speaking_rules(block.text):
            out[i] = PROCEDURE
    return out


def _speaking_rules(text: str) -> bool:
    """An agenda's paragraph of rules for the public: two of its sentences at least, and two in five."""
    sentences = [s for s in _SENTENCE_END.split(" ".join(text.split())) if len(s.split()) >= 3]  # not "2.", "Code 35.1)."
    rules = sum(is_speaking_rule(s) for s in sentences)
    return rules >= 2 and rules >= 0.4 * len(sentences)


def is_legal(text: str) -> bool:
    return any(p.search(text) for p in _LEGAL)


def _head_kind(block: Block) -> str | None:
    """The furniture a heading (or a short line standing for one) opens, if any."""
    text = " ".join(block.text.split())
    if len(text) > 80 or (block.role is not Role.HEADING and len(text) > 50):
        return None
    bare = _NUMBERING.sub("", text, count=1).strip()
    if _REFERENCES_HEAD.match(bare):
        return REFERENCES
    if _CONTENTS_HEAD.search(text):
        return CONTENTS
    if _INDEX_HEAD.match(bare):
        return INDEX
    if _LEGAL_HEAD.match(bare):
        return LEGAL
    return None


def _headed_parts(blocks: list[Block], out: dict[int, str]) -> None:
    n = len(blocks)
    i = 0
    while i < n:
        kind = _head_kind(blocks[i])
        # An "Index" heading in the first half is a chapter called Index, not the book's index.
        if kind is None or (kind == INDEX and i < n // 2):
            i += 1
            continue
        end = (_contents_end(blocks, i) if kind == CONTENTS else _legal_end(blocks, i) if kind == LEGAL
               else _part_end(blocks, i))
        for k in range(i, end):
            out[k] = kind
        i = max(end, i + 1)


def _part_end(blocks: list[Block], start: int) -> int:
    """The part a heading opens runs to the next heading of its level or above (any heading when
    the opener is a plain line, whose level is unknown)."""
    head = blocks[start]
    level = head.level if head.role is Role.HEADING and head.level else None
    for k in range(start + 1, len(blocks)):
        b = blocks[k]
        if b.role is Role.HEADING and (level is None or (b.level or 1) <= level) and _head_kind(b) is None:
            return k
    return len(blocks)


def _legal_end(blocks: list[Block], start: int) -> int:
    """A legal notice is short: it ends at the next heading, the next page, or after a few lines."""
    chars = 0
    for k in range(start + 1, len(blocks)):
        b = blocks[k]
        chars += len(b.text)
        if b.role is Role.HEADING or b.locator.page != blocks[start].locator.page or chars > _LEGAL_MAX:
            return k
    return len(blocks)


def _contents_end(blocks: list[Block], start: int) -> int:
    """A table of contents runs as long as its lines look like contents lines (a short line of
    running text between them, a page's header, is passed over)."""
    end = start + 1
    skipped = 0
    for k in range(start + 1, len(blocks)):
        if _is_contents_line(blocks[k].text):
            end, skipped = k + 1, 0
        elif len(blocks[k].text) <= 40 and skipped == 0 and k > start + 1:
            skipped += 1
        else:
            break
    return end


def _is_contents_line(text: str) -> bool:
    """Page numbers after leaders, at least one per 120 characters: a contents line (or a run of
    them the reader joined), not a sentence with an ellipsis before a number."""
    found = len(_LEADER_PAGE.findall(text))
    return found > 0 and found >= len(text.strip()) // 120


def _is_reference(text: str) -> bool:
    return sum(1 for p in _REFERENCE_FEATURES if p.search(text)) >= 3 and len(text) <= 2000


def _entry_runs(blocks: list[Block], out: dict[int, str], test, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Runs of ``_RUN`` or more consecutive blocks that each pass ``test`` (no heading needed)."""
    run: list[int] = []
    for i, block in enumerate([*blocks, None]):
        if block is not None and i not in out and test(block.text):
            run.append(i)
            continue
        if len(run) >= _RUN:
            for k in run:
                out[k] = kind
        run = []
