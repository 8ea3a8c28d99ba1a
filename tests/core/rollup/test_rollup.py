"""The roll-up: a named person's owed and owing items with citations, merged across a mail and a
meeting, deadlines in date order, the period, and an .ics file that strict parsers accept."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from desktop.core.ingest import read_document
from desktop.core.rollup.build import Rolled, build_rollup
from desktop.core.rollup.collect import parse_period
from desktop.core.rollup.ics import to_ics
from desktop.core.rollup.people import Me
from desktop.ml.extractive.engine import ExtractiveEngine

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "resources" / "samples"


def _meeting_and_follow_up(folder: Path) -> tuple[Path, Path]:
    """The sample meeting held on Tuesday 2 December 2025, and Priya's mail after it that asks Aiko
    for the same thing again."""
    meeting = folder / "product-sync-2025-12-02.vtt"
    meeting.write_text((SAMPLES / "product-sync-meeting.vtt").read_text(encoding="utf-8"), encoding="utf-8")
    msg = EmailMessage()
    msg["From"] = "Priya Shah <priya.shah@example.org>"
    msg["To"] = "Aiko Tanaka <aiko.tanaka@example.org>"
    msg["Date"] = "Tue, 02 Dec 2025 16:05:00 +0100"
    msg["Subject"] = "After the sync"
    msg.set_content("Hi Aiko,\n\nAs agreed this morning: please write the help article and share it with the support "
                    "team by Friday.\n\nThanks,\nPriya\n")
    mail = folder / "after-the-sync.eml"
    mail.write_bytes(bytes(msg))
    return meeting, mail


def _rolled(*paths: Path) -> list[Rolled]:
    return [Rolled(ExtractiveEngine().summarize([read_document(p)])) for p in paths]


def test_a_named_participant_owes_and_is_owed_with_citations_merged_across_mail_and_meeting(tmp_path: Path) -> None:
    meeting, mail = _meeting_and_follow_up(tmp_path)
    rollup = build_rollup(_rolled(meeting, mail), Me.parse("Priya Shah <priya.shah@example.org>"))
    article = [p for p in rollup.owed_to_me if "help article" in p.text]
    assert len(article) == 1, [p.text for p in rollup.owed_to_me]  # one item, not one per document
    item = article[0]
    assert item.owner.startswith("Aiko Tanaka") and item.due_date == "2025-12-05"
    assert {Path(s.path).name for s in item.sources} == {meeting.name, mail.name}  # both citations
    assert any(s.locator.start == 64.5 for s in item.sources) and any(s.locator.message == 1 for s in item.sources)
    assert any("finance" in p.text for p in rollup.i_owe)  # "I'll ask finance..." is Priya's own
    tom = build_rollup(_rolled(meeting, mail), Me.parse("Tom Becker"))
    assert any("fix" in p.text for p in tom.i_owe) and any("own that fix" in p.text for p in tom.i_owe)


def test_deadlines_in_date_order_and_the_period(tmp_path: Path) -> None:
    rolled = _rolled(SAMPLES / "office-move-thread.eml")
    everything = build_rollup(rolled, Me())
    days = [p.due_date for p in everything.deadlines if p.due_date]
    assert days == sorted(days) and days[0] == "2026-11-13" and "2026-12-04" in days
    # A week in which nothing was written but the packing is due: that item only.
    week = build_rollup(rolled, Me(), date(2026, 11, 30), date(2026, 12, 6))
    assert {p.due_date for p in week.deadlines} == {"2026-11-30", "2026-12-03", "2026-12-04"}
    assert build_rollup(rolled, Me(), date(2027, 1, 1), date(2027, 1, 31)).deadlines == []


def test_periods() -> None:
    today = date(2025, 12, 3)  # a Wednesday
    assert parse_period("this week", None, today) == (date(2025, 12, 1), date(2025, 12, 7))
    assert parse_period("today", None, today) == (today, today)
    assert parse_period("2025-11-01", "2025-11-30", today) == (date(2025, 11, 1), date(2025, 11, 30))
    assert parse_period("2025-11-01", None, today) == (date(2025, 11, 1), None)
    assert parse_period("7 days", None, today) == (date(2025, 11, 27), today)


def test_the_ics_file_passes_two_independent_parsers(tmp_path: Path) -> None:
    meeting, mail = _meeting_and_follow_up(tmp_path)
    rolled = _rolled(meeting, mail, SAMPLES / "office-move-thread.eml")
    data = to_ics(build_rollup(rolled, Me.parse("Priya Shah <priya.shah@example.org>")))
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # RFC 5545 3.1: folded at 75 octets
    cal = Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    todos = cal.walk("VTODO")
    assert events and todos
    for comp in events + todos:
        for prop in ("UID", "DTSTAMP", "SUMMARY", "DESCRIPTION"):
            assert prop in comp, (prop, comp)
    article = next(e for e in events if "help article" in str(e["SUMMARY"]))
    assert article.decoded("DTSTART") == date(2025, 12, 5) and article.decoded("DTEND") == date(2025, 12, 6)
    description = str(article["DESCRIPTION"])
    assert meeting.name in description and mail.name in description and "00:01:04" in description
    # A second, independent parser (vobject) reads the same file the same way.
    parsed = vobject.readOne(data.decode("utf-8"))
    days = sorted(str(v.dtstart.value) for v in parsed.vevent_list)
    assert days == sorted(str(e.decoded("DTSTART")) for e in events)
    assert len({v.uid.value for v in parsed.vevent_list}) == len(events)


def test_rollup_from_the_cli_over_history_and_files(tmp_path: Path) -> None:
    meeting, mail = _meeting_and_follow_up(tmp_path)
    out = tmp_path / "week.ics"
    cmd = [sys.executable, "-m", "desktop.cli", "rollup", str(meeting), str(mail), "--engine", "extractive",
           "--since", "2025-12-01", "--until", "2025-12-07", "--me", "Priya Shah <priya.shah@example.org>",
           "--no-progress"]
    md = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    assert md.returncode == 0, md.stderr
    assert "## What I'm owed" in md.stdout and "**Aiko Tanaka**" in md.stdout and "Fri 5 Dec 2025" in md.stdout
    js = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    data = json.loads(js.stdout)
    assert data["since"] == "2025-12-01" and any("help article" in p["text"] for p in data["owed_to_me"])
    ics = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    assert ics.returncode == 0, ics.stderr
    assert Calendar.from_ical(out.read_bytes()).walk("VEVENT")


@pytest.mark.usefixtures("corpus")
def test_rollup_of_the_corpus_meetings_names_what_a_participant_owes(corpus: Path) -> None:
    rolled = _rolled(corpus / "transcript" / "qmsum-ES2008a-product-kickoff.json",
                     corpus / "email" / "metrics-grimoire-thread-2015-11.mbox")
    pm = build_rollup(rolled, Me.parse("Project Manager"))
    assert any("minutes" in p.text.lower() for p in pm.i_owe)
    assert all(p.sources and p.sources[0].locator.speaker == "Project Manager" for p in pm.i_owe)
    andy = build_rollup(rolled, Me.parse("Andy Grunwald <andy@example.com>"))
    assert any("Dockerhub" in p.text for p in andy.i_owe)
