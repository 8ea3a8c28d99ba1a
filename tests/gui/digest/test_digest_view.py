"""The digest view: citation links, streaming partials, labels, editing and training pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.digest import Source
from desktop.gui.digest.digest_text import chip_texts, plain_citations, without_citations
from desktop.gui.digest.digest_view import DigestView
from desktop.ml.engine.job import JobResult, JobSpec, run_job
from desktop.ml.finetune import saved_pairs_file
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES

pytestmark = OFFSCREEN_NOISE


@pytest.fixture(scope="module")
def result() -> JobResult:
    return run_job(JobSpec(paths=SAMPLE_FILES, engine="extractive"))


@pytest.fixture
def view(qtbot: QtBot) -> DigestView:
    widget = DigestView()
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.show()
    return widget


def test_welcome_then_streaming_partials(view: DigestView) -> None:
    assert "Welcome to Precis" in view.browser.toPlainText()
    assert not view.edit_button.isVisible()
    view.begin_job("job1", "Quarterly report", [SAMPLE_FILES[2]])
    view.set_stage("summarizing chunk 2/5", 2, 5, 12.0)
    assert view.status_label.text() == "Summarizing chunk 2/5 · about 10 s left"  # as the queue row says it
    view.add_partial("Electricity use fell by 18 percent.", "quarterly-energy-report.md")
    view.add_partial("Solar panels produced 4,950 kWh.", "quarterly-energy-report.md")
    text = view.browser.toPlainText()
    assert "Quarterly report" in text
    assert text.index("18 percent") < text.index("4,950 kWh")
    assert view.digest is None and view.paths == [SAMPLE_FILES[2]]


def test_digest_with_citation_links(view: DigestView, result: JobResult, qtbot: QtBot) -> None:
    view.show_digest(result.digest, paths=SAMPLE_FILES, documents=result.documents, entry_id="e1")
    assert view.digest is result.digest and view.entry_id == "e1"
    assert result.digest.title in view.browser.toPlainText()
    hrefs = view.citation_hrefs()
    # Every source of every point, and each checked overview sentence's mark (a link to its sentence).
    total = sum(len(p.sources) for p in result.digest.all_points()) + sum(
        1 for p in result.digest.overview_points if p.sources and p.support is not None)
    assert len(hrefs) == total > 5
    for href in hrefs:
        source = view.source_for(href)
        assert isinstance(source, Source) and source.document
    with qtbot.waitSignal(view.citation_activated) as blocker:
        assert view.activate_link("cite:points/0/0")
    assert blocker.args == [result.digest.points[0].sources[0], result.digest.points[0].support]
    assert not view.activate_link("cite:points/999/0") and not view.activate_link("https://example.org")
    assert view.status_label.text().startswith("Extractive engine")
    assert "3 documents" in view.status_label.text()


def test_labels_become_chips() -> None:
    assert chip_texts({"type": "meeting", "urgency": "normal", "asks_reader": "no"}) == [("type", "meeting")]
    assert [t for _k, t in chip_texts({"type": "business mail", "urgency": "urgent", "asks_reader": "yes"})] == [
        "business mail", "urgent", "asks you"]


def test_meeting_digest_shows_its_labels(view: DigestView) -> None:
    result = run_job(JobSpec(paths=[SAMPLE_FILES[1]], engine="extractive"))
    view.show_digest(result.digest, paths=[SAMPLE_FILES[1]])
    assert view.chip_texts()[0] == "meeting"


def test_edit_and_save_as_training_pair(view: DigestView, result: JobResult, qtbot: QtBot) -> None:
    view.show_digest(result.digest, paths=SAMPLE_FILES, documents=result.documents)
    assert view.edit_button.isEnabled() and not view.pair_button.isVisible()
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    assert view.is_editing and view.pair_button.isVisible()
    assert view.editor.toPlainText().startswith("# ")
    view.editor.setPlainText(view.editor.toPlainText().replace("# ", "# Office move and product sync: ", 1))
    with qtbot.waitSignal(view.edited) as blocker:
        view.set_editing(False)
    assert blocker.args[0].startswith("# Office move and product sync: ")
    assert view.is_edited and "Office move and product sync" in view.browser.toPlainText()
    assert view.citation_hrefs()  # links survive an edit

    saved = view.save_training_pair()
    assert saved == saved_pairs_file() and saved.parent.name == "pairs"
    view.save_training_pair()
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    pair = json.loads(lines[0])
    assert set(pair) == {"document", "summary"}
    assert "Harbour Street" in pair["document"] and "Riverside Community Library" in pair["document"]
    assert pair["summary"].startswith("Office move and product sync: ")
    assert "cite:" not in pair["summary"] and "](" not in pair["summary"]


def test_pair_needs_the_source_text(view: DigestView, result: JobResult) -> None:
    view.show_digest(result.digest, paths=SAMPLE_FILES)  # reopened: documents not read yet
    view.set_documents([])
    with pytest.raises(ValueError, match="still being read"):
        view.save_training_pair()
    assert not saved_pairs_file().exists()


def test_export_markdown_has_plain_citations(view: DigestView, result: JobResult) -> None:
    view.show_digest(result.digest, paths=SAMPLE_FILES, documents=result.documents)
    plain = view.export_markdown()
    assert "cite:" not in plain and "(office-move-thread.eml, message 1" in plain
    md = "- A point — [a.pdf, p. 3](cite:points/0/0); [p. 5](cite:points/0/1)\n"
    assert plain_citations(md) == "- A point (a.pdf, p. 3; p. 5)\n"
    assert without_citations(md + "\n## Notes\n\n- a warning\n") == "- A point\n"


def test_reopened_edited_markdown_is_kept(view: DigestView, result: JobResult, tmp_path: Path) -> None:
    edited = "# My own title\n\nShort version.\n"
    view.show_digest(result.digest, paths=SAMPLE_FILES, markdown=edited)
    assert view.is_edited and view.markdown() == edited
    assert "My own title" in view.browser.toPlainText()
