"""What one summarize() call carries from window to window: merge-tree nodes, each document's
candidate key points, progress and the job's settings (never the documents themselves)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from desktop.core.digest import Digest, Point
from desktop.core.document import Document
from desktop.core.events import CancelToken, EventCallback, Progress
from desktop.ml.check.stage import CheckStage
from desktop.ml.engine.generation import Generator
from desktop.ml.engine.presets import LengthPreset
from desktop.ml.engine.timing import StageClock
from desktop.ml.points.items import dedupe

#: A window of documents is mapped and merged together (batching across files), then released.
WINDOW_DOCUMENTS = 32
WINDOW_CHUNKS = 1024


@dataclass(slots=True)
class Node:
    """A summary in the merge tree: which document and which chunks it covers."""

    text: str
    doc: int
    chunks: tuple[int, ...]
    level: int
    #: The top-level section all its chunks lie in, for a document summarized by section; else None.
    section: int | None = None


@dataclass(slots=True)
class DocPoints:
    """One document's candidate key points, per merge level and node, and its weight (chunks)."""

    weight: int
    levels: list[list[list[Point]]]

    def pick(self, quota: int) -> list[Point]:
        for nodes in self.levels:
            if nodes and len(nodes) <= quota:
                per_node = max(1, quota // len(nodes))
                return [pt for node in nodes for pt in node[:per_node]]
        last = self.levels[-1] if self.levels else []
        return [pt for node in last for pt in node[:1]]


@dataclass(slots=True)
class JobState:
    """What one summarize() call carries from window to window (never the documents themselves)."""

    p: LengthPreset
    gen: Generator
    query: str | None
    on_event: EventCallback
    cancel: CancelToken
    started: float
    total: int | None
    roots: set[str] = field(default_factory=set)
    first: Document | None = None
    chunks: int = 0
    documents_done: int = 0
    clock: StageClock = field(default_factory=StageClock)
    roots_nodes: list[Node] = field(default_factory=list)
    candidates: dict[int, DocPoints] = field(default_factory=dict)
    #: The check stage (``ml/check/stage.py``): points meet their passages while documents are in memory.
    check: CheckStage = field(default_factory=CheckStage)

    def progress(self, stage: str, done: int, total: int, window_size: int) -> None:
        """Chunks of the window for a job of one window; documents of the job for longer ones."""
        if not self.total or self.total <= WINDOW_DOCUMENTS:
            elapsed = time.monotonic() - self.started
            eta = elapsed / done * (total - done) if done else None
            self.on_event(Progress(stage, done, total, eta))
            return
        fraction = (self.documents_done + window_size * (done / total if total else 0)) / max(self.total, 1)
        eta = (time.monotonic() - self.started) / fraction * (1 - fraction) if fraction > 0 else None
        docs_done = self.documents_done + round(window_size * (done / total if total else 0))
        self.on_event(Progress(f"{stage} (documents {self.documents_done + 1}–{self.documents_done + window_size} of "
                               f"{self.total})", min(docs_done, self.total), self.total, eta))

    def points(self, digest: Digest) -> list[Point]:
        total = sum(c.weight for c in self.candidates.values())
        if not total:
            return []
        points: list[Point] = []
        for index in sorted(self.candidates):
            c = self.candidates[index]
            points += c.pick(max(1, round(self.p.max_points * c.weight / total)))
        kept = set(dedupe([pt.text for pt in points]))
        return [pt for pt in points if pt.text in kept]
