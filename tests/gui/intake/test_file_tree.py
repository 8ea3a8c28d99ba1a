"""The file tree: supported files only, the context menu for a file, a selection and a folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop.gui.intake.file_panel import FilePanel
from desktop.gui.intake.file_tree import FileTree
from tests.gui._window import OFFSCREEN_NOISE, SAMPLE_FILES, UrlSink

pytestmark = OFFSCREEN_NOISE


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    (root / "minutes").mkdir(parents=True)
    (root / "photos").mkdir()
    (root / "report.md").write_text("# Report\n\nThe roof was repaired in May.\n", encoding="utf-8")
    (root / "notes.TXT").write_text("Call the plumber.\n", encoding="utf-8")
    (root / "budget.numbers").write_bytes(b"PK\x03\x04")
    (root / "photos" / "roof.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "minutes" / "sync.vtt").write_bytes(Path(SAMPLE_FILES[1]).read_bytes())
    return root


@pytest.fixture
def panel(qtbot: QtBot, folder: Path) -> FilePanel:
    widget = FilePanel()
    qtbot.addWidget(widget)
    widget.resize(320, 400)
    widget.show()
    with qtbot.waitSignal(widget.tree.fs_model.directoryLoaded, timeout=5000):
        widget.tree.set_root(folder)
    return widget


@pytest.fixture
def tree(panel: FilePanel) -> FileTree:
    return panel.tree


def _names(tree: FileTree, folder: Path) -> list[str]:
    model = tree.fs_model
    parent = model.index(str(folder))
    return sorted(model.fileName(model.index(r, 0, parent)) for r in range(model.rowCount(parent)))


def _menu_names(tree: FileTree, paths: list[Path]) -> list[str]:
    return [a.objectName() for a in tree.menu_for([tree.index_for(p) for p in paths]).actions() if a.objectName()]


def test_shows_folders_and_supported_files_only(panel: FilePanel, folder: Path) -> None:
    tree = panel.tree
    assert tree.root == str(folder.resolve())
    assert _names(tree, folder) == ["minutes", "notes.TXT", "photos", "report.md"]
    assert panel.folder_label.text() == "inbox"


def test_summarize_one_file(tree: FileTree, folder: Path, qtbot: QtBot) -> None:
    report = folder / "report.md"
    assert _menu_names(tree, [report])[:1] == ["summarizeAction"]
    menu = tree.menu_for([tree.index_for(report)])
    with qtbot.waitSignal(tree.summarize_requested) as blocker:
        next(a for a in menu.actions() if a.objectName() == "summarizeAction").trigger()
    assert blocker.args == [[str(report)], True]


def test_summarize_several_together_or_each(tree: FileTree, folder: Path, qtbot: QtBot) -> None:
    files = [folder / "report.md", folder / "notes.TXT"]
    tree.select_paths(files)
    assert sorted(tree.selected_paths()) == sorted(str(f) for f in files)
    names = _menu_names(tree, files)
    assert names[:2] == ["summarizeTogetherAction", "summarizeEachAction"]
    menu = tree.menu_for([tree.index_for(f) for f in files])
    with qtbot.waitSignal(tree.summarize_requested) as blocker:
        next(a for a in menu.actions() if a.objectName() == "summarizeTogetherAction").trigger()
    assert blocker.args == [[str(f) for f in files], True]
    with qtbot.waitSignal(tree.summarize_requested) as blocker:
        next(a for a in menu.actions() if a.objectName() == "summarizeEachAction").trigger()
    assert blocker.args[1] is False


def test_summarize_folder_and_show_only_it(tree: FileTree, folder: Path, qtbot: QtBot) -> None:
    minutes = folder / "minutes"
    names = _menu_names(tree, [minutes])
    assert names[0] == "summarizeFolderAction" and "rootAction" in names
    menu = tree.menu_for([tree.index_for(minutes)])
    with qtbot.waitSignal(tree.summarize_requested) as blocker:
        next(a for a in menu.actions() if a.objectName() == "summarizeFolderAction").trigger()
    assert blocker.args == [[str(minutes)], True]
    with qtbot.waitSignal(tree.root_changed):
        next(a for a in menu.actions() if a.objectName() == "rootAction").trigger()
    assert tree.root == str(minutes.resolve())


def test_open_with_system_viewer_and_reveal(tree: FileTree, folder: Path) -> None:
    sink = UrlSink()
    QDesktopServices.setUrlHandler("file", sink, "open")  # type: ignore[arg-type]  # the stub says bytes; str works
    try:
        report = folder / "report.md"
        menu = tree.menu_for([tree.index_for(report)])
        next(a for a in menu.actions() if a.objectName() == "openAction").trigger()
        next(a for a in menu.actions() if a.objectName() == "revealAction").trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in sink.urls] == [str(report), str(folder)]


def test_double_click_summarizes_a_file(tree: FileTree, folder: Path, qtbot: QtBot) -> None:
    index = tree.index_for(folder / "report.md")
    with qtbot.waitSignal(tree.summarize_requested) as blocker:
        tree.activated.emit(index)
    assert blocker.args == [[str(folder / "report.md")], True]
