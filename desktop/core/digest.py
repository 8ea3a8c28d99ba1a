"""The digest: what a summarization job produces, as plain data (rendering is separate).

Every point carries its sources: the file (and attachment) it came from and the exact block
locators (page, timestamps and speaker, message) of the passages that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.core.document import Locator
from desktop.core.support import Support, SupportCounts


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    locator: Locator
    #: The file's name, plus the attachment chain for attachments ("mail.eml › report.pdf").
    document: str = ""
    #: The start of the cited passage, so the source view can highlight it.
    excerpt: str = ""
    #: The sentence(s) of the passage that support the point (set by the check stage, with the
    #: locator's ``sentence`` span), so the source view can mark the very words.
    quote: str = ""

    def label(self) -> str:
        where = self.locator.label()
        return f"{self.document}, {where}" if where != "document" else self.document

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "locator": self.locator.to_dict(), "document": self.document}
        if self.excerpt:
            out["excerpt"] = self.excerpt
        if self.quote:
            out["quote"] = self.quote
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Source:
        return cls(d["path"], Locator.from_dict(d.get("locator", {})), d.get("document", ""), d.get("excerpt", ""),
                   d.get("quote", ""))


@dataclass(slots=True)
class Point:
    text: str
    sources: list[Source] = field(default_factory=list)
    #: For action items: who and by when, when the text states them.
    owner: str | None = None
    due: str | None = None
    #: The day ``due`` resolves to against the document's own date (ISO), when the words fix one.
    due_date: str | None = None
    #: Who asked for it, when someone asked someone else (what the owner owes them).
    requester: str | None = None

    #: The check stage's verdict (``core/support.py``); None when the point was not checked.
    support: Support | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "sources": [s.to_dict() for s in self.sources]}
        for name in ("owner", "due", "due_date", "requester"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.support is not None:
            out["support"] = self.support.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Point:
        support = Support.from_dict(d["support"]) if isinstance(d.get("support"), dict) else None
        return cls(d["text"], [Source.from_dict(s) for s in d.get("sources", [])], d.get("owner"), d.get("due"),
                   d.get("due_date"), d.get("requester"), support)


@dataclass(slots=True)
class DocumentSummary:
    path: str
    document: str
    kind: str
    title: str
    summary: str
    labels: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    #: The document's own date (ISO day): a mail's Date, a meeting's date; None when it has none.
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "document": self.document,
            "kind": self.kind,
            "title": self.title,
            "summary": self.summary,
            "labels": dict(self.labels),
            "warnings": list(self.warnings),
            "sources": [s.to_dict() for s in self.sources],
        }
        if self.date:
            out["date"] = self.date
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocumentSummary:
        return cls(
            d["path"], d.get("document", ""), d.get("kind", ""), d.get("title", ""), d.get("summary", ""),
            dict(d.get("labels", {})), list(d.get("warnings", [])), [Source.from_dict(s) for s in d.get("sources", [])],
            d.get("date"),
        )


@dataclass(slots=True)
class SectionSummary:
    """One top-level section of a long document summarized on its own (a chapter of a report,
    an agenda item of a meeting), in document order. ``start`` and ``end`` locate it (its first
    and last page, or times); ``sources[0]`` is its start (the click target), the rest the
    passages its summary was built from."""

    path: str
    document: str
    title: str
    summary: str
    level: int = 1
    start: Locator = field(default_factory=Locator)
    end: Locator = field(default_factory=Locator)
    sources: list[Source] = field(default_factory=list)

    def span(self) -> str:
        """'pp. 5–8', 'p. 9', '00:05:00–00:12:30', '¶ 3–12', or '' when nothing locates it."""
        a, b = self.start, self.end
        if a.page is not None:
            return f"p. {a.page}" if b.page in (None, a.page) else f"pp. {a.page}–{b.page}"
        if a.start is not None:
            return Locator(start=a.start, end=b.end if b.end is not None else b.start).label()
        if a.paragraph is not None:
            return f"¶ {a.paragraph}" if b.paragraph in (None, a.paragraph) else f"¶ {a.paragraph}–{b.paragraph}"
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document, "path": self.path, "title": self.title, "level": self.level,
            "range": self.span(), "start": self.start.to_dict(), "end": self.end.to_dict(),
            "summary": self.summary, "sources": [s.to_dict() for s in self.sources],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SectionSummary:
        return cls(
            d.get("path", ""), d.get("document", ""), d.get("title", ""), d.get("summary", ""), int(d.get("level", 1)),
            Locator.from_dict(d.get("start", {})), Locator.from_dict(d.get("end", {})),
            [Source.from_dict(s) for s in d.get("sources", [])],
        )


@dataclass(slots=True)
class Digest:
    title: str
    overview: str
    points: list[Point] = field(default_factory=list)
    #: Meetings: decisions and action items. Email: asks and deadlines. Empty lists otherwise.
    decisions: list[Point] = field(default_factory=list)
    action_items: list[Point] = field(default_factory=list)
    asks: list[Point] = field(default_factory=list)
    deadlines: list[Point] = field(default_factory=list)
    documents: list[DocumentSummary] = field(default_factory=list)
    query: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    engine: str = ""
    #: The template that shaped it (``core/layout.py``): its sections in order, each {"id", "title"},
    #: and the template's id (name@version#hash). Empty: the standard digest.
    layout: list[dict[str, str]] = field(default_factory=list)
    template: str = ""
    #: The overview's sentences as points, each with the passage it rests on and its verdict.
    overview_points: list[Point] = field(default_factory=list)
    #: How many points were checked and flagged (None: the digest was not checked).
    support: SupportCounts | None = None
    #: Long documents: a summary per top-level section (JSON ``sections``). Not one of the point
    #: lists of ``SECTIONS`` (points, decisions... which render as bullets): a section summary is
    #: prose with a title and a page or time range.
    sections: list[SectionSummary] = field(default_factory=list)

    SECTIONS = ("points", "decisions", "action_items", "asks", "deadlines")

    def all_points(self) -> list[Point]:
        return [p for name in self.SECTIONS for p in getattr(self, name)]

    def labels(self) -> dict[str, str]:
        """Labels of the first document that has them (for queue rows and history filters)."""
        for doc in self.documents:
            if doc.labels:
                return dict(doc.labels)
        return {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "overview": self.overview,
            "engine": self.engine,
        }
        if self.query:
            out["query"] = self.query
        for name in self.SECTIONS:
            out[name] = [p.to_dict() for p in getattr(self, name)]
        out["documents"] = [d.to_dict() for d in self.documents]
        out["labels"] = self.labels()
        out["warnings"] = list(self.warnings)
        out["errors"] = list(self.errors)
        out["stats"] = dict(self.stats)
        if self.layout:
            out["layout"] = [dict(x) for x in self.layout]
            out["template"] = self.template
        if self.overview_points:
            out["overview_points"] = [p.to_dict() for p in self.overview_points]
        if self.support is not None:
            out["support"] = self.support.to_dict()
        if self.sections:
            out["sections"] = [s.to_dict() for s in self.sections]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Digest:
        digest = cls(
            title=d.get("title", ""),
            overview=d.get("overview", ""),
            documents=[DocumentSummary.from_dict(x) for x in d.get("documents", [])],
            query=d.get("query"),
            warnings=list(d.get("warnings", [])),
            errors=list(d.get("errors", [])),
            stats=dict(d.get("stats", {})),
            engine=d.get("engine", ""),
            layout=[dict(x) for x in d.get("layout", [])],
            template=d.get("template", ""),
        )
        for name in cls.SECTIONS:
            setattr(digest, name, [Point.from_dict(p) for p in d.get(name, [])])
        digest.overview_points = [Point.from_dict(p) for p in d.get("overview_points", [])]
        if isinstance(d.get("support"), dict):
            digest.support = SupportCounts.from_dict(d["support"])
        digest.sections = [SectionSummary.from_dict(s) for s in d.get("sections", [])]
        return digest
