"""Export from the window: Markdown, text, Word and PDF files that open, edits included,
atomic writes, and the clipboard."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.core.export import ExportError
from desktop.gui.digest.export_pdf import export_pdf
from desktop.gui.window.main_window import MainWindow
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, message_boxes, open_window, wait_digest

pytestmark = OFFSCREEN_NOISE
@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    yield from open_window(qtbot)


@pytest.fixture
def digest_window(window: MainWindow, qtbot: QtBot) -> MainWindow:
    window.model_picker.select("extractive")
    window.summarize(SAMPLE_FILES)
    wait_digest(qtbot, window)
    return window


def test_export_all_four_formats(digest_window: MainWindow, tmp_path: Path) -> None:
    digest = digest_window.digest_view.digest
    assert digest is not None
    for suffix in ("md", "txt", "docx", "pdf"):
        assert digest_window.digest_actions.export_to(tmp_path / f"digest.{suffix}") == tmp_path / f"digest.{suffix}"

    md = (tmp_path / "digest.md").read_text(encoding="utf-8")
    assert md.startswith(f"# {digest.title}") and "## Key points" in md
    assert "cite:" not in md and "(office-move-thread.eml, message 1" in md

    txt = (tmp_path / "digest.txt").read_text(encoding="utf-8")
    assert digest.title in txt and "#" not in txt.splitlines()[0]

    word = docx.Document(str(tmp_path / "digest.docx"))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == digest.title
    assert any(digest.points[0].text in p for p in paragraphs)

    pdf = (tmp_path / "digest.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    import pypdf

    text = "".join(page.extract_text() for page in pypdf.PdfReader(str(tmp_path / "digest.pdf")).pages)
    assert "Key" in text and "points" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.docx", "digest.md", "digest.pdf", "digest.txt"]


def test_export_includes_edits(digest_window: MainWindow, tmp_path: Path) -> None:
    view = digest_window.digest_view
    view.set_editing(True)
    view.editor.setPlainText(view.editor.toPlainText() + "\nApproved at the Monday meeting.\n")
    view.set_editing(False)
    for suffix in ("md", "docx", "pdf"):
        digest_window.digest_actions.export_to(tmp_path / f"edited.{suffix}")
    assert "Approved at the Monday meeting." in (tmp_path / "edited.md").read_text(encoding="utf-8")
    assert "cite:" not in (tmp_path / "edited.md").read_text(encoding="utf-8")
    assert any("Approved at the Monday meeting." in p.text for p in docx.Document(str(tmp_path / "edited.docx")).paragraphs)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs a folder this user may not write")
def test_failed_export_leaves_nothing_and_says_why(digest_window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert digest_window.digest_actions.export_to(locked / "digest.pdf") is None
        qtbot.waitUntil(lambda: len(message_boxes(digest_window)) == 1)
        assert "may not write" in message_boxes(digest_window)[0].text()
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_export_into_a_file_instead_of_a_folder(digest_window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    for suffix in ("pdf", "docx"):
        assert digest_window.digest_actions.export_to(not_a_folder / f"digest.{suffix}") is None
    qtbot.waitUntil(lambda: len(message_boxes(digest_window)) >= 1)
    assert "Nothing was written" in message_boxes(digest_window)[0].text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_pdf_export_is_atomic(qtbot: QtBot, tmp_path: Path) -> None:
    target = tmp_path / "digest.pdf"
    target.write_bytes(b"%PDF-1.4 the earlier version")
    with pytest.raises(ExportError):
        export_pdf("# Title\n", tmp_path / "missing-folder" / "digest.pdf")
    assert target.read_bytes() == b"%PDF-1.4 the earlier version"
    export_pdf("# Title\n\nBody text.\n", target, title="Title")
    assert target.read_bytes().startswith(b"%PDF") and len(target.read_bytes()) > 500
    assert [p.name for p in tmp_path.iterdir()] == ["digest.pdf"]  # no temporary file left behind
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_copy_digest_to_clipboard(digest_window: MainWindow) -> None:
    digest_window.copy_action.trigger()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasText() and mime.hasHtml()
    assert digest_window.digest_view.digest.title in mime.text()  # type: ignore[union-attr]
    assert "cite:" not in mime.text() and "cite:" not in mime.html()
