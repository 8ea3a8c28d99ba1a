"""A set of training pairs as the fine-tune panel lists them: documents read, token lengths
counted with the model's tokenizer, empty and duplicate pairs flagged, a seeded validation split."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.document import Document
from desktop.core.errors import DocumentError, PairsError
from desktop.core.ingest import ReadContext, read_bytes, read_document
from desktop.core.limits import DEFAULT_LIMITS, Limits
from desktop.core.prompting.sentences import TokenCount
from desktop.ml.finetune.pairs_io import PairRecord, read_pairs
from desktop.ml.finetune.tasks import SUMMARY_TASK, task_label, task_of

#: With this many usable pairs or more, at least one is held out for validation.
MIN_PAIRS_FOR_VALIDATION = 4
#: An instruction task needs this many usable examples: fewer teach nothing and leave none to test on.
MIN_TASK_EXAMPLES = 4


@dataclass(slots=True)
class PairItem:
    record: PairRecord
    document: Document | None
    doc_tokens: int = 0
    summary_tokens: int = 0
    #: Why the pair is left out of training ("empty summary", "same as line 3"...); None if usable.
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None

    @property
    def key(self) -> str:
        """Content hash of document and summary: the split and resume checks depend on content, not order."""
        text = self.document.text() if self.document is not None else ""
        task = f"{_norm(self.record.instruction)}\0" if self.record.instruction else ""
        return hashlib.sha256(f"{task}{_norm(text)}\0{_norm(self.record.summary)}".encode()).hexdigest()

    @property
    def task(self) -> str:
        return task_of(self.record.instruction)


@dataclass(slots=True)
class PairSet:
    items: list[PairItem]

    @classmethod
    def load(cls, sources: Sequence[Path | str] | Path | str, count: TokenCount,
             limits: Limits = DEFAULT_LIMITS) -> PairSet:
        """Read every source (files and folders); PairsError for malformed files, flags for weak pairs."""
        if isinstance(sources, (str, Path)):
            sources = [sources]
        if not sources:
            raise PairsError("No pairs were given.")
        items = [_item(rec, Path(src), count, limits) for src in sources for rec in read_pairs(src)]
        _flag_duplicates(items)
        return cls(items)

    @property
    def usable(self) -> list[PairItem]:
        return [i for i in self.items if i.usable]

    def counts(self) -> dict[str, int]:
        problems = [i.problem or "" for i in self.items]
        return {
            "total": len(self.items),
            "usable": sum(1 for p in problems if not p),
            "empty": sum(1 for p in problems if p.startswith("empty")),
            "duplicates": sum(1 for p in problems if p.startswith("same as")),
            "unreadable": sum(1 for p in problems if p.startswith("unreadable")),
        }

    def token_stats(self) -> dict[str, int]:
        usable = self.usable
        docs = [i.doc_tokens for i in usable] or [0]
        sums = [i.summary_tokens for i in usable] or [0]
        return {"document_mean": sum(docs) // len(docs), "document_max": max(docs),
                "summary_mean": sum(sums) // len(sums), "summary_max": max(sums)}

    def tasks(self) -> dict[str, int]:
        """Usable examples per task ("summary", or "instruction:<text>"), in order of appearance."""
        out: dict[str, int] = {}
        for item in self.usable:
            out[item.task] = out.get(item.task, 0) + 1
        return out

    def check_tasks(self) -> None:
        """PairsError for an instruction task with too few examples to learn or to test."""
        for task, n in self.tasks().items():
            if task != SUMMARY_TASK and n < MIN_TASK_EXAMPLES:
                raise PairsError(f"The task \"{task_label(task)}\" has only {n} usable example{'s' if n != 1 else ''}; "
                                 f"give it at least {MIN_TASK_EXAMPLES}, or remove its rows.")

    def split(self, val_share: float = 0.1, seed: int = 42) -> tuple[list[PairItem], list[PairItem]]:
        """(train, validation), split task by task so each task is tested: the same pairs in any
        file order; at least one validation pair of a task from ``MIN_PAIRS_FOR_VALIDATION``
        usable pairs on, and always at least one to train on."""
        train: list[PairItem] = []
        val: list[PairItem] = []
        for task in self.tasks():
            usable = sorted((i for i in self.usable if i.task == task), key=lambda i: i.key)
            random.Random(seed).shuffle(usable)
            n = len(usable)
            n_val = 0
            if n >= MIN_PAIRS_FOR_VALIDATION:
                n_val = min(n - 1, max(1, round(n * val_share)))
            train += usable[n_val:]
            val += usable[:n_val]
        return train, val

    def fingerprint(self) -> str:
        return hashlib.sha256("\n".join(sorted(i.key for i in self.usable)).encode()).hexdigest()[:16]

    def to_rows(self) -> list[dict[str, Any]]:
        """One row per pair for a table: where it came from, lengths, and why it is left out."""
        return [{"id": i.record.id, "origin": i.record.origin, "document_tokens": i.doc_tokens,
                 "summary_tokens": i.summary_tokens, "problem": i.problem} for i in self.items]


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _item(rec: PairRecord, source: Path, count: TokenCount, limits: Limits) -> PairItem:
    try:
        document = _document(rec, source, limits)
    except DocumentError as exc:
        return PairItem(rec, None, problem=f"unreadable: {exc.message}")
    text = document.text() if document is not None else ""
    item = PairItem(rec, document, count(text) if text.strip() else 0,
                    count(rec.summary) if rec.summary.strip() else 0)
    if not text.strip():
        item.problem = "empty document"
    elif not rec.summary.strip():
        item.problem = "empty summary"
    return item


def _document(rec: PairRecord, source: Path, limits: Limits) -> Document | None:
    if rec.file is not None:
        doc = read_document(rec.file, limits=limits)
    elif rec.text and rec.text.strip():
        # Read like a dropped .txt file, so a pasted transcript gets its speakers (as in ``precis-cli eval``).
        base = source if source.is_file() else source / "pairs"
        doc = read_bytes(rec.text.encode("utf-8"), ReadContext(path=base, part=f"{rec.id}.txt", limits=limits))
    else:
        return None
    # An email's text may sit in an attachment only; train on the first part that has any.
    return next((d for d in doc.walk() if d.blocks), doc)


def _flag_duplicates(items: list[PairItem]) -> None:
    """The second copy of a document is left out (two summaries of one text teach nothing more)."""
    seen: dict[str, PairItem] = {}
    for item in items:
        if not item.usable or item.document is None:
            continue
        key = f"{_norm(item.record.instruction or '')}\0{_norm(item.document.text())}"
        first = seen.get(key)
        if first is None:
            seen[key] = item
        else:
            item.problem = f"same as {first.record.origin}"
