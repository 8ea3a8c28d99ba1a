"""Exporting a digest: every format is written, and a failed write leaves the previous file as it was."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from desktop.core.atomic import atomic_open
from desktop.core.digest import Digest
from desktop.core.export import ExportError, export_digest, markdown_to_text
from desktop.core.render import to_markdown
from desktop.ml.engine.job import JobSpec, run_job

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture(scope="module")
def digest() -> Digest:
    spec = JobSpec(paths=[str(SAMPLES / "product-sync-meeting.vtt"), str(SAMPLES / "office-move-thread.eml")],
                   engine="extractive")
    return run_job(spec).digest


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_every_format_is_written(tmp_path: Path, digest: Digest) -> None:
    md = export_digest(digest, tmp_path / "d.md").read_text(encoding="utf-8")
    assert md == to_markdown(digest) and "cite:" not in md
    txt = export_digest(digest, tmp_path / "d.txt").read_text(encoding="utf-8")
    assert "**" not in txt and digest.title in txt
    data = json.loads(export_digest(digest, tmp_path / "d.json").read_text(encoding="utf-8"))
    assert Digest.from_dict(data).to_dict() == digest.to_dict()

    document = docx.Document(str(export_digest(digest, tmp_path / "d.docx")))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == digest.title
    assert {"Key points", "Action items", "Asks", "Documents"} <= set(paragraphs)
    first = digest.points[0]
    assert any(p.startswith(first.text) and first.sources[0].document in p for p in paragraphs)
    assert _leftovers(tmp_path) == []


def test_a_question_is_exported_in_italics(tmp_path: Path) -> None:
    answer = run_job(JobSpec(paths=[str(SAMPLES / "office-move-thread.eml")], engine="extractive",
                             query="when is the move?")).digest
    document = docx.Document(str(export_digest(answer, tmp_path / "a.docx")))
    question = next(p for p in document.paragraphs if p.text == "Question: when is the move?")
    assert question.runs[0].italic is True


def test_an_edited_digest_is_exported_as_edited(tmp_path: Path, digest: Digest) -> None:
    edited = "# My notes\n\n- First [point](cite:points/0/0) with **bold**\n\nPlain paragraph.\n"
    assert export_digest(digest, tmp_path / "e.md", markdown=edited).read_text(encoding="utf-8") == edited
    txt = export_digest(digest, tmp_path / "e.txt", markdown=edited).read_text(encoding="utf-8")
    assert txt == markdown_to_text(edited) and "First point with bold" in txt and "cite:" not in txt
    document = docx.Document(str(export_digest(digest, tmp_path / "e.docx", markdown=edited)))
    assert [p.text for p in document.paragraphs] == ["My notes", "First point with bold", "Plain paragraph."]


def test_an_unknown_extension_is_refused(tmp_path: Path, digest: Digest) -> None:
    with pytest.raises(ExportError, match=r"\.md, \.txt, \.json or \.docx"):
        export_digest(digest, tmp_path / "d.rtf")
    assert list(tmp_path.iterdir()) == []


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """A folder nobody may create files in; as root (containers) only the immutable flag does that."""
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    immutable = False
    try:
        if os.access(folder, os.W_OK):
            chattr = shutil.which("chattr")
            if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False, capture_output=True).returncode != 0:
                pytest.skip("cannot make a folder read-only for this user")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr") or "chattr", "-i", str(folder)], check=False)
        folder.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("suffix", [".md", ".txt", ".json", ".docx"])
def test_a_read_only_folder_keeps_the_previous_version(tmp_path: Path, digest: Digest, suffix: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"digest{suffix}"
    target.write_bytes(b"previous version")
    with _read_only(folder):
        with pytest.raises(ExportError) as info:
            export_digest(digest, target)
        assert str(folder) in info.value.message or target.name in info.value.message
    assert target.read_bytes() == b"previous version"
    assert sorted(p.name for p in folder.iterdir()) == [target.name]


def test_an_exception_mid_write_keeps_the_previous_version(tmp_path: Path, digest: Digest) -> None:
    target = tmp_path / "digest.md"
    export_digest(digest, target)
    before = target.read_bytes()
    with pytest.raises(TypeError):
        export_digest(digest, target, markdown=12345)  # type: ignore[arg-type]  # fails inside the write
    with pytest.raises(RuntimeError), atomic_open(target, "w") as fh:
        fh.write("half of a new digest")
        raise RuntimeError("disk pulled out")
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["digest.md"]
