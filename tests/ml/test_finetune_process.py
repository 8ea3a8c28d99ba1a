"""Fine-tuning in a spawned child process: events over a queue, Pause and Cancel through shared
flags, the result kept afterwards in the parent (as the fine-tune panel will do)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.events import Loss
from desktop.ml.finetune import FinetuneRequest, keep_result, preset
from desktop.ml.finetune.process import FinetuneProcess
from desktop.ml.finetune.run_folder import RunFolder
from desktop.ml.models.store import ModelStore
from desktop.ml.protocol import FINAL, EventMessage, FinetuneFinished, Message, WasCancelled
from tests.ml._finetune_data import toy_pairs, write_jsonl


@dataclass
class Workspace:
    store: ModelStore
    pairs: Path

    def request(self, out: str, **settings: object) -> FinetuneRequest:
        chosen = preset("tiny").with_overrides(threads=1, replay=0.2, **settings)
        return FinetuneRequest("tiny-t5", [str(self.pairs)], out, chosen, store_root=str(self.store.root))


@pytest.fixture
def ws(tmp_path: Path, tiny_model_dir: Path, corpus: Path) -> Workspace:
    store = ModelStore(tmp_path / "store")
    store.import_folder(tiny_model_dir, "tiny-t5")
    return Workspace(store, write_jsonl(tmp_path / "pairs.jsonl", toy_pairs(corpus, n=12)))


def test_child_process_streams_losses_pauses_and_finishes(ws: Workspace) -> None:
    proc = FinetuneProcess(ws.request("child", steps=12)).start()
    losses: list[tuple[float, Loss]] = []
    paused_at: float | None = None
    resumed_at: float | None = None
    outcome = None
    deadline = time.monotonic() + 120
    while outcome is None and time.monotonic() < deadline:
        for message in proc.messages(timeout=0.1):
            assert getattr(message, "task_id", None) == proc.task_id
            if isinstance(message, EventMessage) and isinstance(message.event, Loss) and message.event.train is not None:
                losses.append((time.monotonic(), message.event))
            elif isinstance(message, FINAL):
                outcome = message
        if losses and paused_at is None:
            proc.pause()
            paused_at = time.monotonic()
        if paused_at is not None and resumed_at is None and time.monotonic() - paused_at > 1.5:
            proc.resume()
            resumed_at = time.monotonic()
    proc.process.join(timeout=30)
    assert isinstance(outcome, FinetuneFinished), outcome
    assert [e.step for _, e in losses] == list(range(1, 13))
    # Nothing trained while paused (a step already running when Pause came may still report).
    assert paused_at is not None and resumed_at is not None
    during = [e.step for t, e in losses if paused_at + 0.5 < t < resumed_at]
    assert during == []
    result = outcome.result  # a FinetuneResult again, decoded from the pipe
    assert result.steps == 12 and result.card.val_pairs == 1
    dest = keep_result(result, ws.store)
    assert dest.name == "child" and [a.name for a in ws.store.list_adapters()] == ["child"]


def test_child_process_cancel_reports_cancelled_and_keeps_nothing(ws: Workspace) -> None:
    proc = FinetuneProcess(ws.request("gone", steps=500, checkpoint_every=0)).start()
    asked: list[float] = []

    def on_message(message: Message) -> None:
        if not asked and isinstance(message, EventMessage) and isinstance(message.event, Loss) and message.event.step >= 2:
            proc.cancel()
            asked.append(time.monotonic())

    outcome = proc.wait(timeout=120, on_message=on_message)
    assert isinstance(outcome, WasCancelled) and time.monotonic() - asked[0] < 2.0
    proc.process.join(timeout=10)
    assert not proc.process.is_alive()
    store = ws.store
    assert store.list_adapters() == [] and not store.adapter_dir("gone").exists()
    assert not RunFolder.for_name(store.root, "gone").result.exists()
