"""Items know who and when: owners, requesters and due dates from real mails and meetings."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop.core.ingest import read_document
from desktop.ml.extractive.engine import ExtractiveEngine

REPO = Path(__file__).resolve().parents[2]


def _mail(tmp_path: Path) -> Path:
    msg = EmailMessage()
    msg["From"] = "Maria Lopez <maria.lopez@northwind.example>"
    msg["To"] = "Tom Becker <tom.becker@northwind.example>"
    msg["Date"] = "Tue, 02 Dec 2025 09:15:00 +0100"
    msg["Subject"] = "Budget figures"
    msg.set_content("Hi Tom,\n\nThe board meets next week and I still need the final budget figures.\n"
                    "Please send me the spreadsheet by Friday.\n\nI will book the meeting room for Monday.\n\n"
                    "Thanks,\nMaria\n")
    path = tmp_path / "budget.eml"
    path.write_bytes(bytes(msg))
    return path


def test_by_friday_in_a_mail_sent_on_tuesday_2_december_2025_is_friday_5_december(tmp_path: Path) -> None:
    digest = ExtractiveEngine().summarize([read_document(_mail(tmp_path))])
    ask = next(p for p in digest.asks if "spreadsheet" in p.text)
    assert ask.due == "Friday" and ask.due_date == "2025-12-05"
    # Addressed to the reader (the To: header), asked by the sender.
    assert ask.owner == "Tom Becker <tom.becker@northwind.example>"
    assert ask.requester == "Maria Lopez <maria.lopez@northwind.example>"
    out = json.loads(json.dumps(ask.to_dict()))
    assert out["due_date"] == "2025-12-05" and out["requester"].startswith("Maria Lopez")


def test_a_meeting_dated_by_its_file_name_resolves_its_deadlines(tmp_path: Path) -> None:
    path = tmp_path / "product-sync-2025-12-02.vtt"
    path.write_text((REPO / "resources" / "samples" / "product-sync-meeting.vtt").read_text(encoding="utf-8"), encoding="utf-8")
    digest = ExtractiveEngine().summarize([read_document(path)])
    article = next(p for p in digest.action_items if "help article" in p.text)
    assert (article.owner, article.requester, article.due_date) == ("Aiko Tanaka", "Priya Shah", "2025-12-05")
    fix = next(p for p in digest.action_items if "fix reviewed" in p.text)
    # "Wednesday the 18th": neither 18 December 2025 (a Thursday) nor 18 January: not guessed.
    assert fix.owner == "Tom Becker" and fix.due == "Wednesday the 18th" and fix.due_date is None


def test_without_a_date_the_day_stays_unknown() -> None:
    digest = ExtractiveEngine().summarize([read_document(REPO / "resources" / "samples" / "product-sync-meeting.vtt")])
    assert all(p.due_date is None for p in digest.action_items)
    assert any(p.due for p in digest.action_items)


def test_the_office_move_thread_items(tmp_path: Path) -> None:
    digest = ExtractiveEngine().summarize([read_document(REPO / "resources" / "samples" / "office-move-thread.eml")])
    by_text = {p.text: p for p in digest.deadlines}
    packs = next(p for t, p in by_text.items() if "packs its own desks" in t)
    assert packs.due_date == "2026-12-03" and packs.owner.startswith("Facilities Team")
    crates = next(p for t, p in by_text.items() if "Crates arrive" in t)
    assert crates.due_date == "2026-11-30" and crates.owner is None  # nobody's task
    friday = next(p for p in digest.asks if "by Friday" in p.text)
    assert friday.due_date == "2026-11-13"  # the mail was sent on Thursday 12 November 2026


@pytest.mark.usefixtures("corpus")
def test_owner_and_due_accuracy_on_the_labelled_set() -> None:
    from benchmarks.owner_due import evaluate

    everything = evaluate()
    assert len(everything) == 214
    results = [r for r in everything if not r.get("furniture")]  # procedure can no longer be an item
    assert len(results) >= 200, len(results)
    owner = sum(r["owner_ok"] for r in results) / len(results)
    due = sum(r["due_ok"] for r in results) / len(results)
    assert owner >= 0.90 and due >= 0.90, (owner, due)
