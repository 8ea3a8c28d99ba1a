"""``precis-cli verify``'s input: one JSON object a line, each a claim and the document to check it
against (its text, or a path); a bad line is one sentence and the other lines are still checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.core.document import Document
from desktop.core.errors import DocumentError
from desktop.core.ingest import ReadContext, read_bytes, read_document
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.ml.check.passage import DocIndex


@dataclass(slots=True)
class ClaimLine:
    """A line read: the claim and its document, or the sentence saying why the line is unusable."""

    line: int
    id: str | None
    claim: str = ""
    document: Document | None = None
    index: DocIndex | None = None
    error: str = ""


def read_claims(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[ClaimLine]:
    """The claims of ``path`` in order. A document named by path is read once for all its claims
    (relative paths are relative to the claims file); one given as text is read like a dropped
    text file, so a transcript gets its speakers."""
    text = path.read_text(encoding="utf-8")
    documents: dict[str, tuple[Document, DocIndex] | str] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except ValueError:
            yield ClaimLine(n, None, error=f"Line {n} of {path.name} is not valid JSON.")
            continue
        if not isinstance(rec, dict):
            yield ClaimLine(n, None, error=f"Line {n} of {path.name} is not a JSON object.")
            continue
        cid = str(rec["id"]) if rec.get("id") is not None else None
        claim = rec.get("claim")
        if cid is None or not isinstance(claim, str) or not claim.strip():
            missing = "id" if cid is None else "claim"
            yield ClaimLine(n, cid, error=f"Line {n} of {path.name} has no \"{missing}\"; each line needs "
                                          f"\"id\", \"claim\" and \"document\" (text) or \"path\".")
            continue
        if isinstance(rec.get("document"), str) and rec["document"].strip():
            key = "text:" + rec["document"]
            if key not in documents:
                ctx = ReadContext(path=path, part=f"{cid}.txt", limits=limits)
                try:
                    doc = read_bytes(rec["document"].encode("utf-8"), ctx)
                    documents[key] = (doc, DocIndex(doc))
                except DocumentError as exc:
                    documents[key] = f"The document of line {n} could not be read: {exc.message}"
        elif isinstance(rec.get("path"), str) and rec["path"].strip():
            source = Path(rec["path"]).expanduser()
            source = source if source.is_absolute() else path.parent / source
            key = "path:" + str(source)
            if key not in documents:
                try:
                    doc = read_document(source, limits=limits)
                    documents[key] = (doc, DocIndex(doc))
                except DocumentError as exc:
                    documents[key] = f"Line {n} of {path.name}: {exc.message}"
        else:
            yield ClaimLine(n, cid, claim, error=f"Line {n} of {path.name} has neither \"document\" (text) "
                                                 f"nor \"path\" to check its claim against.")
            continue
        found = documents[key]
        if isinstance(found, str):
            yield ClaimLine(n, cid, claim, error=found)
        else:
            yield ClaimLine(n, cid, claim, found[0], found[1])
