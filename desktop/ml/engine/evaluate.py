"""ROUGE evaluation of an engine's summaries against reference summaries.

Used by ``precis-cli eval`` and by the fine-tune evaluation card. ROUGE-1/2/L F-measures from
the rouge-score package with stemming on, the settings most published numbers use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.document import Document
from desktop.core.errors import DocumentError, PairsError
from desktop.core.ingest import ReadContext, read_bytes

METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(slots=True)
class Pair:
    id: str
    document: str
    summary: str


@dataclass(slots=True)
class RougeReport:
    rouge1: float = 0.0
    rouge2: float = 0.0
    rougeL: float = 0.0
    items: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rouge1": self.rouge1, "rouge2": self.rouge2, "rougeL": self.rougeL, "items": self.items}

    def means(self) -> dict[str, float]:
        return {m: getattr(self, m) for m in METRICS}


def read_pairs_jsonl(path: Path) -> Iterator[Pair]:
    """Records with ``document`` and ``summary`` (and optionally ``id``); bad lines are typed errors."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PairsError(f"{path.name} could not be read as UTF-8 text: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise PairsError(f"Line {n} of {path.name} is not valid JSON.") from exc
        if not isinstance(rec, dict) or not isinstance(rec.get("document"), str) or not isinstance(rec.get("summary"), str):
            raise PairsError(f"Line {n} of {path.name} needs text fields \"document\" and \"summary\".")
        yield Pair(str(rec.get("id", n)), rec["document"], rec["summary"])


def pair_document(pair: Pair, source: Path) -> Document:
    """The pair's document text read like a dropped file, so transcripts get speakers."""
    ctx = ReadContext(path=source, part=f"{pair.id}.txt")
    return read_bytes(pair.document.encode("utf-8"), ctx)


def score(pairs: Iterable[tuple[str, str, str]]) -> RougeReport:
    """``pairs`` of (id, candidate, reference) -> mean F-measures and per-item scores."""
    # Imported here, not at the top: rouge-score pulls in NLTK and absl (about 30 MB), and every
    # precis-cli command imports this module through its ``eval`` subcommand.
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    report = RougeReport()
    for pid, candidate, reference in pairs:
        s = scorer.score(reference, candidate)
        report.items.append({"id": pid, **{m: s[m].fmeasure for m in METRICS}, "summary": candidate})
    if report.items:
        for m in METRICS:
            setattr(report, m, sum(item[m] for item in report.items) / len(report.items))
    return report


def evaluate(pairs: list[Pair], source: Path, summarize: Callable[[Document], str],
             on_item: Callable[[int, int], None] | None = None) -> RougeReport:
    rows: list[tuple[str, str, str]] = []
    for i, pair in enumerate(pairs):
        try:
            doc = pair_document(pair, source)
            candidate = summarize(doc)
        except DocumentError:
            candidate = ""
        rows.append((pair.id, candidate, pair.summary))
        if on_item:
            on_item(i + 1, len(pairs))
    return score(rows)
