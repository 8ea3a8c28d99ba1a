"""Digests checked by the real check stage (``ml/check/stage.py``) on the real sample documents:
the points are written here the way a model might write them, one of them with a fact wrong, and
the stage flags it, narrows every citation to its sentence and counts (as in
tests/core/test_export_support.py)."""

from __future__ import annotations

from desktop.core.digest import Digest, DocumentSummary, Point
from desktop.core.document import Document
from desktop.core.ingest import read_document
from desktop.ml.check.stage import CheckStage
from desktop.ml.points.citations import cite
from tests.gui._jobs import SAMPLE_FILES

EML, VTT, MD = SAMPLE_FILES
#: The meeting's digest: Tom said "Wednesday the 18th"; the last action item says Thursday the 19th.
MEETING_OVERVIEW = ("The team will ship release 4.2 once the export crash is fixed. "
                    "The login timeout moves to 4.2.1.")
MEETING_POINTS = {
    "points": ["Two bugs are still open: the export crash on very large spreadsheets and the login timeout on slow networks.",
               "Release 4.2 ships once the export crash is fixed."],
    "decisions": ["The login timeout fix moves to 4.2.1."],
    "action_items": ["Aiko writes the help article and shares it with the support team by Friday.",
                     "Tom will have the export fix reviewed by Thursday the 19th."],
}
#: A weekday with its date is one fact: contrasted once, both sides as written.
WRONG_DAY = "the source says Wednesday the 18th, not Thursday the 19th"


def checked_digest(path: str, title: str, overview: str, sections: dict[str, list[str]], *,
                   mode: str = "flag") -> tuple[Digest, Document]:
    """The digest of ``path`` with these points, each cited and checked by the real stage."""
    doc = read_document(path)
    blocks = tuple(range(len(doc.blocks)))
    stage = CheckStage(mode)
    digest = Digest(title, overview, documents=[DocumentSummary(str(doc.path), doc.display_name, doc.kind.value,
                                                                doc.title, overview)], engine="flan-t5-base")
    for name, texts in sections.items():
        setattr(digest, name, [stage.add(Point(t, cite(t, doc, blocks)), doc, blocks) for t in texts])
    stage.add_summary(0, overview, doc, blocks)
    stage.finish_window()
    stage.finish(digest)
    return digest, doc


def meeting_digest() -> tuple[Digest, Document]:
    return checked_digest(VTT, "Product sync meeting", MEETING_OVERVIEW, MEETING_POINTS)
