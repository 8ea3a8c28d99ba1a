"""precis-cli extract, summarize and batch on mail stores: a Maildir, a Thunderbird profile, an
Outlook data file, an .emlx and an IMAP address (a real Dovecot) give cited digests whose
sources name the folder, the message, its sender and its date."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.digest import Source
from desktop.core.ingest import read_document
from desktop.core.mailstores import MailOptions
from tests.core.mailstores._dovecot import PASSWORD, Dovecot
from tests.core.mailstores._stores import emlx_bytes, maildir, message, thunderbird_profile
from tests.core.mailstores.conftest import dovecot as dovecot  # the real Dovecot fixture, shared
from tests.ml._digest_checks import assert_valid_source

PST = Path(__file__).resolve().parents[1] / "data" / "pst" / "pstsdk-sample1-unicode.pst"
EXTRACTIVE = ["--engine", "extractive", "--no-progress", "--format", "json"]


def _summarize(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = main(["summarize", *args, *EXTRACTIVE])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def _sources(data: dict) -> list[Source]:
    return [Source.from_dict(s) for section in ("points", "asks", "deadlines", "decisions", "action_items")
            for p in data[section] for s in p["sources"]]


def test_extract_a_maildir_shows_folders_and_locators(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = maildir(tmp_path / "Maildir")
    assert main(["extract", str(box), "--format", "json"]) == 0
    [doc] = json.loads(capsys.readouterr().out)["documents"]
    assert doc["kind"] == "mailbox" and [c["part"] for c in doc["children"]] == ["INBOX", "Work/Projects"]
    block = doc["children"][0]["blocks"][1]
    assert block["locator"] == {"message": 1, "sender": "Alice Smith", "date": "2024-01-01T10:00:00+00:00"}


def test_summarize_a_thunderbird_folder_cites_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = thunderbird_profile(tmp_path)
    code, data, _ = _summarize(capsys, str(profile), "--folder", "Local Folders/Inbox")
    assert code == 0
    docs = [read_document(profile, mail=MailOptions(folders=("Local Folders/Inbox",)))]
    assert [d["document"] for d in data["documents"]] == [f"{profile.name} › Local Folders/Inbox"]
    sources = _sources(data)
    assert sources and all(s.locator.message and s.locator.sender and s.locator.date for s in sources)
    for source in sources:
        assert_valid_source(source, docs)
    assert any(s.label() == f"{profile.name} › Local Folders/Inbox, message 1, Eve Adams" for s in sources)


def test_summarize_an_outlook_data_file_and_an_emlx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    emlx = tmp_path / "12.emlx"
    emlx.write_bytes(emlx_bytes(message("Kim Park <kim@example.com>", "Plan", "Please send the revised plan by Monday.",
                                        "Mon, 01 Jan 2024 10:00:00 +0000")))
    code, data, _ = _summarize(capsys, str(PST), str(emlx))
    assert code == 0
    assert [d["document"] for d in data["documents"]] == ["pstsdk-sample1-unicode.pst › Sample1", "12.emlx"]
    docs = [read_document(PST), read_document(emlx)]
    for source in _sources(data):
        assert_valid_source(source, docs)
    labels = {s.label() for s in _sources(data)}
    assert "12.emlx, message 1, Kim Park" in labels
    assert "pstsdk-sample1-unicode.pst › Sample1, message 1, Terry Mahaffey" in labels


def test_summarize_with_the_tiny_model_cites_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str], tiny_model_dir: Path) -> None:
    from desktop.ml.models.store import ModelStore

    ModelStore().import_folder(tiny_model_dir, "tiny")
    box = maildir(tmp_path / "Maildir")
    capsys.readouterr()
    code = main(["summarize", str(box), "--engine", "flan-t5", "--model", "tiny", "--backend", "torch", "--quantize", "none",
                 "--threads", "1", "--length", "short", "--no-progress", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    docs = [read_document(box)]
    for summary in data["documents"]:
        for source in summary["sources"]:
            assert_valid_source(Source.from_dict(source), docs)
    assert {d["document"] for d in data["documents"]} == {"Maildir › INBOX", "Maildir › Work/Projects"}


def test_a_date_range_makes_a_folder_of_eml_files_one_mailbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    for n, day in enumerate(("01", "15", "28")):
        (saved / f"{n}.eml").write_bytes(message(f"P{n} <p{n}@example.com>", f"Update {n}", f"Status update number {n} is ready.",
                                                 f"Mon, {day} Jan 2024 10:00:00 +0000").as_bytes())
    code, data, _ = _summarize(capsys, str(saved), "--since", "2024-01-10")
    assert code == 0 and [d["document"] for d in data["documents"]] == ["saved › saved"]
    assert {s.locator.sender for s in _sources(data)} <= {"P1", "P2"}
    code, plain, _ = _summarize(capsys, str(saved))
    assert [d["document"] for d in plain["documents"]] == ["0.eml", "1.eml", "2.eml"], "without mail options: file by file, as before"


def test_batch_makes_one_digest_per_store_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    box = maildir(src / "Maildir")
    (src / "archive.pst").write_bytes(PST.read_bytes())
    out = tmp_path / "out"
    args = ["batch", str(src), "--out", str(out), "--engine", "extractive", "--no-progress", "--quiet", "--workers", "1",
            "--recursive"]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".md") == ["Maildir.md", "archive.pst.md"]
    assert "message 1, Terry Mahaffey" in (out / "archive.pst.md").read_text()
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert {r["key"] for r in rows if r.get("status") == "done"} == {"Maildir", "archive.pst"}
    capsys.readouterr()
    assert main(args) == 0
    assert "skipped" in capsys.readouterr().err.lower()
    mailbox.Maildir(box).add(message("New <new@example.com>", "Fresh", "New mail arrived.", "Fri, 08 Mar 2024 10:00:00 +0000"))
    assert main(args) == 0
    redone = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    maildir_rows = [r for r in redone if r.get("key") == "Maildir" and r.get("status") == "done"]
    assert len(maildir_rows) == 2 and maildir_rows[0]["sha256"] != maildir_rows[1]["sha256"], "new mail redoes the store"
    assert len([r for r in redone if r.get("key") == "archive.pst" and r.get("status") == "done"]) == 1


@pytest.mark.xdist_group("dovecot")
def test_summarize_an_imap_folder(dovecot: Dovecot, capsys: pytest.CaptureFixture[str],  # noqa: F811 - imported fixture
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = "CliDigest"
    dovecot.deliver("Carol Jones <carol@example.com>", "Budget", "We agreed to cut the travel budget by ten percent.",
                    "Tue, 05 Mar 2024 10:00:00 +0100", folder=folder)
    dovecot.deliver("Dan Wu <dan@example.com>", "Re: Budget", "Please confirm the new budget by Friday.",
                    "Wed, 06 Mar 2024 11:30:00 +0100", folder=folder)
    dovecot.deliver("Old <old@example.com>", "Old", "Before the range.", "Mon, 01 Jan 2024 10:00:00 +0100", folder=folder)
    address = dovecot.address(folder)
    common = [address, "--imap-cafile", str(dovecot.cert), "--imap-timeout", "10", "--since", "2024-03-01"]
    monkeypatch.delenv("PRECIS_IMAP_PASSWORD", raising=False)
    code, data, err = _summarize(capsys, *common)
    assert code == 1 and "no password for alice@127.0.0.1" in err and "PRECIS_IMAP_PASSWORD" in err
    monkeypatch.setenv("PRECIS_IMAP_PASSWORD", PASSWORD)
    code, data, err = _summarize(capsys, *common)
    assert code == 0, err
    [summary] = data["documents"]
    assert summary["document"].endswith(f"› {folder}")
    senders = {s.locator.sender for s in _sources(data)}
    assert senders and senders <= {"Carol Jones", "Dan Wu"}, "the message before --since is not read"
    assert all(s.locator.message in (1, 2) and s.locator.date for s in _sources(data))

