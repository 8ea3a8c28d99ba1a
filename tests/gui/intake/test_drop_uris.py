"""Drops from file managers: ``text/uri-list`` as Files, Dolphin and Explorer write it, with
percent-encoded and raw non-ASCII ``file://`` URIs, folders and many files at once; remote URIs
and things that are not files get one sentence each in one message, never a traceback. Also the
window's side of a hand-over: each file its own digest, or one digest together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.gui.intake.handoff_receiver import HandoffReceiver
from desktop.gui.models.model_picker import EXTRACTIVE
from desktop.gui.window.main_window import MainWindow
from desktop.integration import handoff
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, message_boxes, open_window

pytestmark = OFFSCREEN_NOISE
_keep: list[QMimeData] = []


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    for win in open_window(qtbot):
        assert win.model_picker.select(EXTRACTIVE)
        yield win


def _drop_uri_list(target: QWidget, uri_list: bytes) -> QDropEvent:
    mime = QMimeData()
    _keep[:] = [mime]
    mime.setData("text/uri-list", uri_list)
    centre = QPointF(target.rect().center())
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(target, QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods))
    QApplication.sendEvent(target, QDragMoveEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods))
    event = QDropEvent(centre, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, event)
    return event


def _docs(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "Réunions 2026"
    folder.mkdir()
    names = ["Büro Umzug.eml", "sync #3 (final).vtt", "Q3 report 100%.md"]
    out = []
    for src, name in zip(SAMPLE_FILES, names):
        (folder / name).write_bytes(Path(src).read_bytes())
        out.append(folder / name)
    return out


def test_uri_list_with_encoded_and_raw_non_ascii_names(window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    eml, vtt, md = _docs(tmp_path)
    lines = [
        "# dragged from Files",
        "file://" + quote(str(eml)),                      # percent-encoded UTF-8, as GNOME writes it
        "file://localhost" + quote(str(vtt)),             # with a host part
        "file://" + str(md).replace(" ", "%20").replace("%.md", "%25.md"),  # raw UTF-8 letters, as some apps do
        "sftp://server/home/ana/notes.pdf",
        "smb://nas/share/minutes.docx",
        "https://example.org/report.pdf",
    ]
    event = _drop_uri_list(window.digest_view.browser.viewport(), "\r\n".join(lines).encode("utf-8") + b"\r\n")
    assert event.isAccepted()
    [job] = window.queue.jobs()
    assert job.paths == [str(eml), str(vtt), str(md)]
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    [box] = message_boxes(window)
    text = box.text()
    assert "notes.pdf (on another computer or device (sftp://)" in text
    assert "minutes.docx (on another computer or device (smb://)" in text
    assert "report.pdf (a web address; download the file first" in text
    assert "3 items are queued" in text


def test_only_remote_uris_still_get_their_sentence(window: MainWindow, qtbot: QtBot) -> None:
    event = _drop_uri_list(window.tree.viewport(), b"sftp://host/a.pdf\r\nmailto:ana@example.org\r\n")
    assert event.isAccepted() and window.queue.jobs() == []
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    text = message_boxes(window)[0].text()
    assert "a.pdf (on another computer" in text and "not a file on this computer (mailto:)" in text


def test_a_folder_and_many_files_at_once(window: MainWindow, tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    files = []
    for i in range(60):
        f = many / f"note {i:02d} ö.md"
        f.write_text(f"# Note {i}\n\nThe budget line {i} was approved by the committee.\n", encoding="utf-8")
        files.append(f)
    folder = _docs(tmp_path)[0].parent
    uris = [folder.as_uri()] + [f.as_uri() for f in files]
    _drop_uri_list(window.tree.viewport(), "\r\n".join(uris).encode("ascii"))
    [job] = window.queue.jobs()
    assert job.paths == [str(folder), *map(str, files)]


def test_handed_over_summarize_makes_one_job_per_item(window: MainWindow, tmp_path: Path, qtbot: QtBot) -> None:
    eml, vtt, _md = _docs(tmp_path)
    receiver = HandoffReceiver(window)
    receiver.accept(handoff.make([eml.name, "file://" + quote(str(vtt)), "sftp://h/x.pdf"], "summarize",
                                 cwd=str(eml.parent)))
    assert [j.paths for j in window.queue.jobs()] == [[str(eml)], [str(vtt)]]
    qtbot.waitUntil(lambda: len(message_boxes(window)) == 1)
    assert "x.pdf (on another computer" in message_boxes(window)[0].text()


def test_together_requests_of_one_file_each_become_one_digest(window: MainWindow, tmp_path: Path,
                                                               qtbot: QtBot) -> None:
    """Explorer starts a verb once per selected file: the window joins them into one job."""
    files = _docs(tmp_path)
    receiver = HandoffReceiver(window)
    for f in files:
        receiver.accept(handoff.make([str(f)], "summarize-together", cwd="/"))
    assert window.queue.jobs() == []  # waiting a moment for the rest of the selection
    qtbot.waitUntil(lambda: len(window.queue.jobs()) == 1, timeout=5000)
    assert window.queue.jobs()[0].paths == [str(f) for f in files]


def test_folder_check_stops_early(tmp_path: Path) -> None:
    """Deciding whether a dropped or handed-over folder has anything to read runs on the GUI
    thread: it stops at the first readable file, or after a bounded look."""
    from desktop.gui.intake.intake import FOLDER_LOOK_LIMIT, has_readable_file, split_supported

    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "budget.numbers").write_bytes(b"PK")
    (sheets / ".hidden").mkdir()
    (sheets / ".hidden" / "notes.md").write_text("# hidden")
    deep = tmp_path / "deep" / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "minutes.md").write_text("# Minutes")
    huge = tmp_path / "huge"
    huge.mkdir()
    for i in range(FOLDER_LOOK_LIMIT + 10):
        (huge / f"{i}.bin").touch()
    assert not has_readable_file(sheets) and has_readable_file(tmp_path / "deep") and has_readable_file(huge)
    supported, unsupported = split_supported([str(sheets), str(tmp_path / "deep")])
    assert supported == [str(tmp_path / "deep")] and unsupported == ["sheets/ (no files Precis reads inside)"]
