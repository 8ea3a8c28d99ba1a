"""The extractive preview: a cited digest of the first file before the model even loads, whose
points are replaced one by one by the model's summaries of the passages they were quoted from."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop.core.events import Event, Partial, Preview, Progress
from desktop.core.ingest import read_document
from desktop.ml.engine.job import JobSpec, run_job
from desktop.ml.engine.preview import PreviewFeed
from desktop.ml.models.store import ModelStore

PDF = "pdf/scotus-transcript-p1.pdf"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("store")
    ModelStore(root).import_folder(tiny_model_dir, "tiny")
    return root


def test_the_preview_comes_first_cited_and_is_replaced_point_by_point(corpus: Path, store_root: Path) -> None:
    events: list[tuple[float, Event]] = []
    started = time.monotonic()
    spec = JobSpec(paths=[str(corpus / PDF)], engine="flan-t5", model="tiny", backend="torch", quantization="float32",
                   threads=1, model_store=str(store_root), use_cache=False, classify=False)
    result = run_job(spec, on_event=lambda e: events.append((time.monotonic() - started, e)))

    previews = [(t, e) for t, e in events if isinstance(e, Preview)]
    assert previews, "no preview was sent"
    first_t, first = previews[0]
    kinds = [type(e).__name__ for _, e in events]
    # Before the model loads and before its first output.
    loading = next(i for i, (_, e) in enumerate(events) if isinstance(e, Progress) and e.stage.startswith("loading "))
    assert kinds.index("Preview") < loading < kinds.index("Partial")
    assert first_t < 3.0, f"preview after {first_t:.2f} s"

    doc = read_document(corpus / PDF)
    text = " ".join(b.text for b in doc.blocks)
    assert first.replaced == () and first.digest.engine == "extractive preview"
    assert first.digest.points
    for point in first.digest.points:  # quoted sentences, each cited to its page
        assert point.sources and point.sources[0].locator.page is not None
        assert " ".join(point.text.split()[:6]) in text

    # Each later preview replaces one more point with a chunk summary the model produced, cited to the chunk.
    chunk_texts = {e.text for _, e in events if isinstance(e, Partial) and e.level == 0}
    for n, (_, later) in enumerate(previews[1:], start=1):
        assert len(later.replaced) == n and len(set(later.replaced)) == n
        swapped = later.digest.points[later.replaced[-1]]
        assert swapped.text in chunk_texts and swapped.sources[0].locator.page is not None
        untouched = [i for i in range(len(first.digest.points)) if i not in later.replaced]
        assert all(later.digest.points[i].text == first.digest.points[i].text for i in untouched)
    assert len(previews) > 1, "no preview point was replaced by model output"
    assert result.digest.engine.startswith("flan-t5")


def test_no_preview_for_the_extractive_engine_or_when_turned_off(corpus: Path, store_root: Path) -> None:
    for spec in (JobSpec(paths=[str(corpus / PDF)], engine="extractive"),
                 JobSpec(paths=[str(corpus / PDF)], engine="flan-t5", model="tiny", backend="torch",
                         quantization="float32", threads=1, model_store=str(store_root), preview=False,
                         classify=False)):
        events: list[Event] = []
        run_job(spec, on_event=events.append)
        assert not any(isinstance(e, Preview) for e in events)


def test_a_65_page_pdf_is_previewed_within_a_second_of_being_read(corpus: Path) -> None:
    """The ranking itself, on the corpus's largest PDF: the 3 s budget is mostly reading the file."""
    doc = read_document(corpus / "pdf" / "chelsea_pdta.pdf")
    sent: list[Event] = []
    cpu = time.process_time()
    digest = PreviewFeed(sent.append).first(doc)
    used = time.process_time() - cpu
    assert digest is not None and len(digest.points) >= 4 and isinstance(sent[0], Preview)
    assert used < 1.0, f"ranking took {used:.2f} CPU-s"
