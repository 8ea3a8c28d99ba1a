"""OCR in the window: the Settings choice reaches the settings file and the job; recognized pages
are marked in the source view's margin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.document import Block, Locator, Role
from desktop.core.settings import Settings, load_settings
from desktop.gui.jobs.job_queue import DONE, JobQueue
from desktop.gui.settings.settings_dialog import SettingsDialog
from desktop.gui.source.source_text import margin_label
from desktop.ml.engine.job import JobSpec
from tests.core.ingest._scans import image_pdf, render
from tests.gui._window import OFFSCREEN_NOISE

pytestmark = OFFSCREEN_NOISE


def test_ocr_choice_is_saved_and_used_by_jobs(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.ocr.currentData() == "auto" and dialog.ocr_lang.text() == "eng"
    dialog.ocr.setCurrentIndex(dialog.ocr.findData("always"))
    dialog.ocr_lang.setText(" eng + deu ")
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.accept()
    saved = load_settings()
    assert (saved.ocr, saved.ocr_lang) == ("always", "eng+deu")
    spec = JobSpec.from_settings(saved, ["scan.pdf"])
    assert (spec.ocr, spec.ocr_lang) == ("always", "eng+deu")

    again = SettingsDialog(saved)
    qtbot.addWidget(again)
    again.ocr_lang.setText("eng; rm -rf /")  # not a language list: the previous value stays
    assert again.values().ocr_lang == "eng+deu"


def test_recognized_pages_are_marked_in_the_margin() -> None:
    typed = Block("Typed cover letter.", Role.PARAGRAPH, Locator(page=1))
    scanned = Block("Signed contract.", Role.PARAGRAPH, Locator(page=2), ocr=True)
    more = Block("Second paragraph.", Role.PARAGRAPH, Locator(page=2), ocr=True)
    assert margin_label(typed, None) == "p. 1"
    assert margin_label(scanned, typed) == "p. 2 · OCR"
    assert margin_label(more, scanned) == ""


@pytest.fixture
def queue(qtbot: QtBot) -> Iterator[JobQueue]:
    q = JobQueue()
    yield q
    q.shutdown()


def test_the_app_summarizes_a_scan_with_progress_and_page_citations(queue: JobQueue, qtbot: QtBot, corpus: Path,
                                                                    tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    pages = [render(corpus / "pdf" / "google-doc-document.pdf", 0, crop=0.4),
             render(corpus / "pdf" / "scotus-transcript-p1.pdf", 0, crop=0.5)]
    scan.write_bytes(image_pdf(pages))
    job_id = queue.enqueue([str(scan)], model="extractive")
    stages: list[str] = []
    queue.job_changed.connect(lambda _id: stages.append(queue.job(job_id).stage))  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: queue.job(job_id).ended, timeout=120_000)  # type: ignore[union-attr]
    job = queue.job(job_id)
    assert job is not None and job.state == DONE, job.error
    assert "recognizing page 1 of 2" in stages and "recognizing page 2 of 2" in stages
    digest = job.digest()
    assert digest is not None
    sources = [s for p in digest.points for s in p.sources]
    assert sources and {s.locator.page for s in sources} <= {1, 2}
    assert all(b.ocr for d in job.documents() for b in d.blocks)
