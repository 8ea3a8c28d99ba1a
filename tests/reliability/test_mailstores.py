"""Mail stores under fire: damaged Outlook data files and .emlx files (mutated, and random bytes
behind their signatures), Maildirs and Thunderbird folders with damaged messages, and hostile
stores (a message of 200 MB, a folder without a newline, more messages than the limit, an
attachment of 2 GB beside a .partial.emlx, folders nested 100 deep) give a Document or one
typed error within a time and a memory bound; the big ones are read in a child process of their
own, which measures them."""

from __future__ import annotations

import mailbox
import time
from pathlib import Path

import pytest
from hypothesis import strategies as st

from desktop.core.errors import DocumentError
from desktop.core.ingest import read_document
from tests.core.mailstores._stores import emlx_bytes, maildir, message, thunderbird_profile
from tests.reliability.conftest import LONG
from tests.reliability.mutations import all_mutations
from tests.reliability.runner import cases_for, check_document
from tests.reliability.test_fuzz import check_results, fuzz_property, run_fuzz
from tests.reliability.test_hostile import read_hostile

PST_DIR = Path(__file__).resolve().parents[1] / "data" / "pst"
SCALE = 5 if LONG else 1
pytestmark = pytest.mark.timeout(3600 if LONG else 600)


def _emlx_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    plain = folder / "1.emlx"
    plain.write_bytes(emlx_bytes(message("Kim <kim@example.com>", "Plan", "The plan is approved.", "Mon, 01 Jan 2024 10:00:00 +0000",
                                         attachment=("notes.txt", b"Notes of the meeting."))))
    html = message("Lee <lee@example.com>", "Report", "See the report.", "Tue, 02 Jan 2024 10:00:00 +0000")
    html.add_alternative("<p>See the <b>report</b>.</p>", subtype="html")
    (folder / "2.partial.emlx").write_bytes(emlx_bytes(html, read=False))
    return [plain, folder / "2.partial.emlx"]


def test_outlook_and_emlx_files_mutated_give_only_typed_errors(tmp_path: Path, figures) -> None:
    files = sorted(PST_DIR.glob("*.pst")) + _emlx_samples(tmp_path / "emlx")
    results = run_fuzz(files, SCALE, tmp_path, timeout=1800 if LONG else 300)
    summary = check_results(results)
    assert {r["file"] for r in results} == {str(f) for f in files}
    figures("fuzz: Outlook data files and .emlx", files=len(files), **summary)


def _signed(magic: bytes) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=4096).map(lambda tail: magic + tail)


@pytest.mark.parametrize(("name", "strategy"), [
    ("a.pst", _signed(b"!BDN")),
    ("a.ost", _signed(b"!BDN\x00\x00\x00\x00SM\x24\x00")),
    ("m.emlx", st.builds(lambda n, body: f"{n}\n".encode() + body, st.integers(0, 10**12), st.binary(max_size=2048))),
])
def test_random_bytes_behind_a_mail_signature(name: str, strategy: st.SearchStrategy[bytes], figures) -> None:
    fuzz_property(name, st.tuples(strategy, st.just(name)), figures)


def test_stores_with_damaged_messages_read_the_rest(tmp_path: Path, figures) -> None:
    """Each message file of a Maildir and each Thunderbird folder file damaged in turn: the store
    still reads (the damaged message skipped or read as it is), or fails with one typed error."""
    cases = outcomes = 0
    box = maildir(tmp_path / "Maildir")
    profile = thunderbird_profile(tmp_path / "tb")
    targets = [p for p in sorted(box.rglob("*")) if p.is_file() and p.parent.name in ("cur", "new")]
    targets += [p for p in sorted((profile / "Mail").rglob("*")) if p.is_file() and not p.suffix]
    for target in targets:
        original = target.read_bytes()
        store = box if box in target.parents else profile
        for mutation in all_mutations(original, target.name, cases_for(len(original), SCALE))[:: 2 if not LONG else 1]:
            target.write_bytes(mutation.data)
            started = time.perf_counter()
            try:
                check_document(read_document(store))
                outcomes += 1
            except DocumentError as err:
                assert err.message.endswith("."), err.message
            assert time.perf_counter() - started < 5, mutation.id
            cases += 1
        target.write_bytes(original)
    assert cases > 100 and outcomes > cases // 2
    figures("fuzz: stores with damaged messages", cases=cases, documents=outcomes)


def _read_in_child(path: Path, tmp_path: Path, limits: dict | None = None) -> dict:
    return read_hostile("path", tmp_path, limits=limits, path=str(path))


def _account(tmp_path: Path) -> Path:
    folder = tmp_path / "Local Folders"
    folder.mkdir()
    (folder / "Inbox.msf").write_text("")
    return folder


def test_a_200_MB_message_in_a_thunderbird_folder_is_skipped_not_loaded(tmp_path: Path, figures) -> None:
    folder = _account(tmp_path)
    small = message("Ann <ann@example.com>", "Small", "A small message after the big one.", "Tue, 02 Jan 2024 10:00:00 +0000")
    with open(folder / "Inbox", "wb") as fh:
        fh.write(b"From - Mon Jan  1 10:00:00 2024\nFrom: big@example.com\nSubject: Big\n\n")
        fh.seek(200 * 2**20, 1)  # sparse: 200 MB of NULs on one line, no disk used
        fh.write(b"\n\nFrom - Tue Jan  2 10:00:00 2024\n" + small.as_bytes() + b"\n")
    result = _read_in_child(folder, tmp_path)
    assert result["outcome"] == "Document" and "A small message after the big one." in result["text"]
    assert any("is larger than 64 MB and was not read" in w for w in result["warnings"])
    assert result["peak_mb"] - result["base_mb"] < 120 and result["seconds"] < 30
    figures("hostile: 200 MB message in a Thunderbird folder", seconds=result["seconds"],
            rss_growth_mb=round(result["peak_mb"] - result["base_mb"], 1))


def test_a_thunderbird_folder_without_a_newline(tmp_path: Path) -> None:
    folder = _account(tmp_path)
    with open(folder / "Inbox", "wb") as fh:
        fh.write(b"From - Mon Jan  1 10:00:00 2024\nSubject: x\n")
        fh.write(b"x" * (80 * 2**20))
    result = _read_in_child(folder, tmp_path)
    assert result["outcome"] in ("EmptyDocument", "Document") and result["peak_mb"] - result["base_mb"] < 120


def test_more_messages_than_the_limit(tmp_path: Path, figures) -> None:
    count = 3000 if LONG else 600
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for n in range(count):
        box.add(message(f"P{n} <p{n}@example.com>", f"Note {n}", f"Status note number {n}.", "Mon, 01 Jan 2024 10:00:00 +0000"))
    result = _read_in_child(tmp_path / "Maildir", tmp_path, {"max_messages": 500})
    assert result["outcome"] == "Document"
    assert "Only the first 500 messages of Maildir were read." in result["warnings"]
    assert result["seconds"] < 60
    figures("hostile: more messages than the limit", messages=count, seconds=result["seconds"],
            rss_growth_mb=round(result["peak_mb"] - result["base_mb"], 1))


def test_a_2_GB_attachment_beside_a_partial_emlx_is_not_read(tmp_path: Path) -> None:
    msg = message("Lee <lee@example.com>", "Big attachment", "The file is attached.", "Tue, 02 Jan 2024 10:00:00 +0000",
                  attachment=("big.txt", b"x"))
    msg.get_payload()[1].set_payload("")
    msg.get_payload()[1]["X-Apple-Content-Length"] = str(2 * 2**30)
    (tmp_path / "Messages").mkdir()
    path = tmp_path / "Messages" / "9.partial.emlx"
    path.write_bytes(emlx_bytes(msg.as_bytes()))
    stored = tmp_path / "Attachments" / "9" / "2"
    stored.mkdir(parents=True)
    with open(stored / "big.txt", "wb") as fh:
        fh.truncate(2 * 2**30)
    result = _read_in_child(path, tmp_path)
    assert result["outcome"] == "Document" and any("larger than 50 MB and was not read" in w for w in result["warnings"])
    assert result["seconds"] < 5 and result["peak_mb"] - result["base_mb"] < 50


def test_apple_mail_folders_nested_100_deep(tmp_path: Path) -> None:
    folder = tmp_path / "V10"
    deep = folder
    for n in range(100):
        deep = deep / f"F{n}.mbox"
    (deep / "Messages").mkdir(parents=True)
    (deep / "Messages" / "1.emlx").write_bytes(emlx_bytes(message("A <a@example.com>", "Deep", "Deep.", None)))
    (folder / "F0.mbox" / "Messages").mkdir()
    (folder / "F0.mbox" / "Messages" / "2.emlx").write_bytes(
        emlx_bytes(message("B <b@example.com>", "Top", "At the top.", "Mon, 01 Jan 2024 10:00:00 +0000")))
    started = time.perf_counter()
    doc = read_document(folder)
    assert doc.children[0].title == "Top" and time.perf_counter() - started < 10
