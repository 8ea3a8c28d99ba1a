"""Watched folders, model-free: what a scan sees, what settles, what an ignore file leaves out."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from desktop.core.watch.settle import Settler
from desktop.core.watch.sources import FolderSource

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"


def test_a_scan_sees_readable_files_and_skips_work_in_progress(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "office-move-thread.eml", tmp_path / "mail.eml")
    (tmp_path / "sub").mkdir()
    shutil.copy(SAMPLES / "product-sync-meeting.vtt", tmp_path / "sub" / "sync.vtt")
    for name in ("report.pdf.part", "~$notes.docx", ".hidden.txt", "notes.txt.crdownload", "photo.xyz"):
        (tmp_path / name).write_bytes(b"x")
    keys = sorted(Path(i.key).name for i in FolderSource(tmp_path).scan())
    assert keys == ["mail.eml", "sync.vtt"]
    assert sorted(Path(i.key).name for i in FolderSource(tmp_path, recursive=False).scan()) == ["mail.eml"]


def test_a_precisignore_file_in_gitignore_syntax(tmp_path: Path) -> None:
    for rel in ("keep.txt", "drafts/a.txt", "notes/b.txt", "notes/private/c.txt", "old.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("Some text to read.", encoding="utf-8")
    (tmp_path / ".precisignore").write_text("# drafts are not finished\ndrafts/\n*.md\n", encoding="utf-8")
    (tmp_path / "notes" / ".precisignore").write_text("private/\n", encoding="utf-8")
    source = FolderSource(tmp_path)
    found = sorted(Path(i.key).relative_to(tmp_path).as_posix() for i in source.scan())
    assert found == ["keep.txt", "notes/b.txt"]
    (tmp_path / ".precisignore").write_text("!*.md\n", encoding="utf-8")  # edited: read again
    found = sorted(Path(i.key).relative_to(tmp_path).as_posix() for i in source.scan())
    assert found == ["drafts/a.txt", "keep.txt", "notes/b.txt", "old.md"]


def test_a_file_settles_only_once_it_stops_changing(tmp_path: Path) -> None:
    now = [0.0]
    settler = Settler(2.0, clock=lambda: now[0])
    path = tmp_path / "growing.txt"
    source = FolderSource(tmp_path)

    def step(t: float, text: str | None = None) -> list[str]:
        now[0] = t
        if text is not None:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(text)
        return [Path(i.key).name for i in settler.update((i, 2.0) for i in source.scan())]

    assert step(0.0, "First part of a file being copied. ") == []
    assert step(1.5, "More of it. ") == []     # changed: the clock starts again
    assert step(3.0) == []                      # unchanged for 1.5 s only
    assert step(3.6) == ["growing.txt"]         # unchanged for 2.1 s: settled, once
    assert step(9.0) == []
    assert step(9.5, "An edit. ") == []
    assert step(12.0) == ["growing.txt"]        # changed and settled again


def test_between_full_scans_only_changed_folders_are_listed(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "old.txt").write_text("An old note.", encoding="utf-8")
    source = FolderSource(tmp_path)
    assert len(list(source.scan())) == 30
    assert list(source.changes()) == []  # nothing moved: 31 stats, no listing
    time.sleep(0.01)
    (tmp_path / "d7" / "new.txt").write_text("A new note.", encoding="utf-8")
    (tmp_path / "d9" / "deep").mkdir()
    (tmp_path / "d9" / "deep" / "deeper.md").write_text("# Deeper", encoding="utf-8")
    seen = sorted(Path(i.key).relative_to(tmp_path).as_posix() for i in source.changes())
    assert "d7/new.txt" in seen and "d9/deep/deeper.md" in seen and len(seen) <= 4
    # A file rewritten in place moves no folder's time: only a fresh look at a pending key sees it.
    old = tmp_path / "d3" / "old.txt"
    old.write_text("An old note, edited.", encoding="utf-8")
    assert [i.key for i in source.changes()] == []
    assert [i.key for i in source.changes([old.as_posix()])] == [old.as_posix()]
