"""The document model every reader produces and everything downstream consumes.

Readers know about PDF, MIME and WebVTT; nothing after them does. A Document is plain data:
blocks of text, each with a role and an exact Locator, so a digest can cite a page, a
timestamp or a message without going back to the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any


class DocKind(str, Enum):
    PDF = "pdf"
    DOCX = "docx"
    EMAIL = "email"
    MAILBOX = "mailbox"
    TRANSCRIPT = "transcript"
    TEXT = "text"
    IMAGE = "image"  # a photographed or scanned page (PNG, JPEG, TIFF...), read by OCR
    DOCUMENT = "document"  # a word-processing file other than Word's own: OpenDocument text, RTF
    PRESENTATION = "presentation"  # slides: PowerPoint .pptx, OpenDocument .odp
    SPREADSHEET = "spreadsheet"  # Excel .xlsx, OpenDocument .ods
    WEB_PAGE = "web_page"  # HTML and saved web pages (.mhtml)
    EBOOK = "ebook"  # EPUB


class Role(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    QUOTE = "quote"
    SIGNATURE = "signature"
    UTTERANCE = "utterance"
    # Headers/footers of Word files, email headers shown for context: kept, never summarized first.
    HEADER = "header"
    FOOTER = "footer"


#: Roles whose text a summary should not be built from (kept for the source view and citations).
SECONDARY_ROLES = frozenset({Role.QUOTE, Role.SIGNATURE, Role.HEADER, Role.FOOTER})


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a block came from. Only the fields that make sense for the format are set.

    Pages, messages, paragraphs, slides and chapters are 1-based, as people count them; times are
    seconds. A spreadsheet's block names its ``sheet`` and the ``cells`` it holds ("A1:F40").
    """

    page: int | None = None
    start: float | None = None
    end: float | None = None
    speaker: str | None = None
    message: int | None = None
    sender: str | None = None
    date: str | None = None
    paragraph: int | None = None
    section: str | None = None
    #: The sentences of the block that support a checked point (1-based, inclusive, as
    #: ``core/prompting/sentences.split_sentences`` counts them): a click lands on those words.
    sentence: int | None = None
    sentence_end: int | None = None
    slide: int | None = None
    sheet: str | None = None
    cells: str | None = None
    chapter: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Locator:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def locates(self, block: Locator) -> bool:
        """Whether a block with locator ``block`` lies at the place this citation names: every field
        the citation sets agrees, and a time range contains the block's start (the source view's rule)."""
        if self.page is not None and block.page != self.page:
            return False
        if self.message is not None and block.message != self.message:
            return False
        if self.start is not None:
            if block.start is None:
                return False
            end = self.end if self.end is not None else self.start
            return self.start - 0.01 <= block.start <= end + 0.01
        if self.paragraph is not None and block.paragraph != self.paragraph:
            return False
        return any(v is not None for v in (self.page, self.message, self.start, self.paragraph))

    def without_sentences(self) -> Locator:
        """The block's own locator: this one without the supporting-sentence span."""
        if self.sentence is None and self.sentence_end is None:
            return self
        return replace(self, sentence=None, sentence_end=None)

    def label(self) -> str:
        """A short human citation: 'p. 3', '00:12:04–00:12:31, Alice', 'message 2, Bob', 'slide 4',
        'sheet Budget, A1:F40', 'chapter 2'."""
        parts: list[str] = []
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.slide is not None:
            parts.append(f"slide {self.slide}")
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet}" + (f", {self.cells}" if self.cells else ""))
        if self.chapter is not None:
            parts.append(f"chapter {self.chapter}")
        if self.start is not None:
            span = format_timestamp(self.start)
            if self.end is not None and self.end != self.start:
                span += "–" + format_timestamp(self.end)
            parts.append(span)
        if self.speaker:
            parts.append(self.speaker)
        if self.message is not None:
            parts.append(f"message {self.message}")
            if self.sender:
                parts.append(self.sender)
        if not parts and self.paragraph is not None:
            parts.append(f"¶ {self.paragraph}")
        return ", ".join(parts) if parts else "document"


def format_timestamp(seconds: float) -> str:
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


@dataclass(slots=True)
class Block:
    """One unit of text in reading order: a paragraph, a heading, a table, a speaker turn."""

    text: str
    role: Role
    locator: Locator
    level: int | None = None  # heading level (1 = top) or list nesting depth
    #: Recognized from a page image (OCR), not read from a text layer: shown as such, cited the same.
    ocr: bool = False
    #: What the block is when it is furniture, not content ("references", "contents", "list footer",
    #: "procedure"...: ``core/structure/furniture.py``): kept for the source view (dimmed), never
    #: summarized, quoted as a point or sent to the model. None for content.
    furniture: str | None = None
    #: Index in ``Document.sections`` of the top-level section the block sits in (None before the
    #: first one, or in a document without sections).
    section: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "role": self.role.value, "locator": self.locator.to_dict()}
        if self.level is not None:
            out["level"] = self.level
        if self.ocr:
            out["ocr"] = True
        if self.furniture:
            out["furniture"] = self.furniture
        if self.section is not None:
            out["section"] = self.section
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        return cls(
            text=data["text"],
            role=Role(data["role"]),
            locator=Locator.from_dict(data.get("locator", {})),
            level=data.get("level"),
            ocr=bool(data.get("ocr", False)),
            furniture=data.get("furniture"),
            section=data.get("section"),
        )


@dataclass(frozen=True, slots=True)
class Section:
    """A part of a document from its own structure: a PDF outline entry, a Word heading style, a
    Markdown or HTML heading, or a heading the reader detected. ``block`` is the index of the block
    it starts at; ``level`` 1 is the top. Sections run to the next one of the same or a higher level."""

    title: str
    level: int
    block: int

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "level": self.level, "block": self.block}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(str(data.get("title", "")), int(data.get("level", 1)), int(data.get("block", 0)))


@dataclass(slots=True)
class Document:
    """A file (or an attachment inside one) turned into ordered, located blocks.

    ``part`` names the attachment chain inside ``path`` ("forwarded.eml/report.pdf") for child
    documents; it is ``None`` for the file itself. ``warnings`` say what could not be read
    (a damaged page, an attachment that needed a password) without failing the whole file.
    """

    path: Path
    kind: DocKind
    title: str
    metadata: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    children: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    part: str | None = None
    #: The document's own sections in reading order, every level (``core/structure/sections.py``).
    sections: list[Section] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return f"{self.path.name} › {self.part}" if self.part else self.path.name

    @property
    def source_id(self) -> str:
        """A stable id for citations: the path, plus the attachment chain for children."""
        return f"{self.path}#{self.part}" if self.part else str(self.path)

    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)

    def walk(self) -> Iterator[Document]:
        """This document, then its attachments depth-first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": str(self.path),
            "kind": self.kind.value,
            "title": self.title,
            "metadata": self.metadata,
            "blocks": [b.to_dict() for b in self.blocks],
            "children": [c.to_dict() for c in self.children],
            "warnings": list(self.warnings),
        }
        if self.part:
            out["part"] = self.part
        if self.sections:
            out["sections"] = [s.to_dict() for s in self.sections]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            path=Path(data["path"]),
            kind=DocKind(data["kind"]),
            title=data.get("title", ""),
            metadata=dict(data.get("metadata", {})),
            blocks=[Block.from_dict(b) for b in data.get("blocks", [])],
            children=[cls.from_dict(c) for c in data.get("children", [])],
            warnings=list(data.get("warnings", [])),
            part=data.get("part"),
            sections=[Section.from_dict(s) for s in data.get("sections", [])],
        )
