"""The messages between the window and its child processes: every kind survives the one encoding
on the pipe (a JSON object, nothing pickled), and error kinds are matched as types."""

from __future__ import annotations

import json
import multiprocessing as mp
from datetime import date
from pathlib import Path

import pytest

from desktop.core.digest import Digest, DocumentSummary, Point, Source
from desktop.core.document import Block, DocKind, Document, Locator, Role
from desktop.core.errors import CorruptFile, DocumentError, EngineError, ModelNotFound, PasswordRequired, PrecisError
from desktop.core.events import Loss, Notice, Partial, Preview, Progress
from desktop.core.limits import Limits
from desktop.core.mailstores.options import MailOptions
from desktop.ml import protocol
from desktop.ml.engine.job import JobSpec
from desktop.ml.finetune.card import EvaluationCard, TaskScore
from desktop.ml.finetune.result import FinetuneResult
from desktop.ml.finetune.trainer import History
from desktop.ml.protocol import (
    EventMessage,
    Exited,
    Failed,
    FileFailure,
    FinetuneFinished,
    InternalError,
    JobFinished,
    Ready,
    RunJob,
    Shutdown,
    Started,
    TaskDied,
    TaskFinished,
    WasCancelled,
    WorkerDied,
    error_kind,
)


def _digest() -> Digest:
    source = Source(path="/docs/a.pdf", document="a.pdf", locator=Locator(page=3), excerpt="The budget was approved.")
    return Digest(title="Budget", overview="The budget was approved.", points=[Point("Approved.", [source])],
                  documents=[DocumentSummary(path="/docs/a.pdf", document="a.pdf", kind="pdf", title="A", summary="s",
                                             labels={"type": "report"})],
                  errors=[{"path": "/docs/b.pdf", "error": "PasswordRequired", "message": "b.pdf is protected."}],
                  stats={"seconds_total": 1.5, "model": "flan-t5-base"}, engine="flan-t5")


def _document() -> Document:
    return Document(path=Path("/docs/a.pdf"), kind=DocKind.PDF, title="A", metadata={"author": "Ana"},
                    blocks=[Block("The budget was approved.", Role.PARAGRAPH, Locator(page=3), ocr=True)])


def _finetune_result() -> FinetuneResult:
    scores = {"rouge1": 0.5, "rouge2": 0.25, "rougeL": 0.4}
    card = EvaluationCard(val_before=scores, val_after=scores, replay_before=scores, replay_after=scores,
                          replay_agreement=scores, val_pairs=4, replay_items=2,
                          tasks=[TaskScore("summary", "text", 2, scores, scores),
                                 TaskScore("How urgent is it?", "choice", 2, {"accuracy": 0.5}, {"accuracy": 1.0})])
    return FinetuneResult("mine", "lora", Path("/runs/mine"), Path("/runs/mine/result"), "tiny", "abc", card,
                          History(train=[(1, 2.5), (2, 2.0)]), steps=2,
                          tasks=[{"instruction": "How urgent is it?", "kind": "choice", "choices": ["high", "low"],
                                  "examples": 4}])


MESSAGES = [
    RunJob("j1", JobSpec(paths=["/docs/a.pdf", "/docs/ä b.eml"], model="extractive", length="long", query="When?",
                         passwords={"/docs/a.pdf": "secret"}, limits=Limits(max_file_bytes=7 * 2**20), ocr="always")),
    RunJob("j2", JobSpec(paths=["/mail/Maildir", "imaps://ann@mail.example.org/INBOX"],
                         mail=MailOptions(folders=("Work",), since=date(2024, 3, 1), until=date(2024, 3, 31),
                                          unseen=True, cafile="/etc/ca.pem", timeout=12.0))),
    Shutdown(),
    Ready(1234),
    Started("j1"),
    EventMessage("j1", Progress("summarizing chunk 2/5", 2, 5, 12.5)),
    EventMessage("j1", Progress("loading", 0, 0)),
    EventMessage("j1", Partial("The budget was approved.", "a.pdf", ({"page": 3},), level=1)),
    EventMessage("j1", Notice("b.pdf is protected.", "/docs/b.pdf", "PasswordRequired")),
    EventMessage("t1", Loss(3, train=2.5, val=None, tokens_per_s=120.0, eta_s=30.0, total_steps=12)),
    JobFinished("j1", _digest(), [_document()], [FileFailure("/docs/b.pdf", "PasswordRequired", "b.pdf is protected.")]),
    TaskFinished("t1", {"name": "tiny", "path": "/store/tiny", "size_bytes": 123}),
    Failed("j1", "ModelNotFound", "No model called x is installed."),
    WasCancelled("j1"),
    Exited(-9),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_survives_the_one_encoding(message: protocol.Message) -> None:
    data = protocol.encode(message)
    assert json.loads(data)["type"] == type(message).__name__  # plain JSON on the pipe, no pickle
    assert protocol.decode(data) == message


def test_a_preview_crosses_with_its_digest() -> None:
    message = EventMessage("j1", Preview(_digest(), (0, 2)))
    back = protocol.decode(protocol.encode(message))
    assert isinstance(back, EventMessage) and isinstance(back.event, Preview)
    assert back.event.digest.to_dict() == _digest().to_dict() and back.event.replaced == (0, 2)


def test_a_finetune_result_keeps_the_cards_task_scores_and_the_adapters_tasks() -> None:
    """The card's per-task scores and the adapter's instructed tasks are both in the message (the
    dict used to carry one under the other's name, so the window's card lost its tasks)."""
    result = _finetune_result()
    back = protocol.decode(protocol.encode(FinetuneFinished("t1", result)))
    assert isinstance(back, FinetuneFinished)
    assert back.result.card.tasks == result.card.tasks and back.result.card.tasks[1].after == {"accuracy": 1.0}
    assert back.result.tasks == result.tasks
    assert back.result.to_dict() == result.to_dict()


def test_error_kinds_are_matched_as_types() -> None:
    failed = Failed("j", "PasswordRequired", "a.pdf is protected.")
    assert failed.kind is PasswordRequired
    assert failed.is_a(PasswordRequired) and failed.is_a(DocumentError) and failed.is_a(PrecisError)
    assert not failed.is_a(EngineError)
    assert Failed.of("j", ModelNotFound("gone")) == Failed("j", "ModelNotFound", "gone")
    assert FileFailure("/a.pdf", "CorruptFile", "damaged").is_a(DocumentError)
    # The kinds a child or the window adds are typed errors too; an unknown name is a PrecisError.
    assert error_kind("WorkerDied") is WorkerDied and error_kind("TaskDied") is TaskDied
    assert error_kind("InternalError") is InternalError and error_kind("CorruptFile") is CorruptFile
    assert error_kind("NoSuchError") is PrecisError


def test_what_is_not_a_message_is_a_value_error() -> None:
    for data in (b"not json", b'{"type": "Nope"}', b'{"type": "Started"}', b"[1, 2]", b"\xff\xfe"):
        with pytest.raises(ValueError):
            protocol.decode(data)


def test_send_and_receive_on_a_pipe_and_a_queue() -> None:
    reader, writer = mp.get_context("spawn").Pipe(duplex=False)
    protocol.send(writer, Started("x"))
    assert protocol.receive(reader) == Started("x")
    import queue

    q: queue.Queue[bytes] = queue.Queue()
    protocol.send(q, WasCancelled("x"))
    assert isinstance(q.get_nowait(), bytes)
    protocol.send(q, WasCancelled("x"))
    assert protocol.receive(q, timeout=1) == WasCancelled("x")
