"""The period and unread choice, and the job a Summarize asks for (a whole folder of saved
messages is still read as one mailbox, as the tree shows it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.ingest import iter_documents
from desktop.core.mailstores.mailboxes import Mailbox, local_mailbox
from desktop.gui.mailboxes.mail_range import PERIODS, MailRangeForm
from desktop.gui.mailboxes.mail_request import summarize_request
from tests.core.mailstores import _stores


def test_periods_become_days(qtbot: QtBot) -> None:
    form = MailRangeForm()
    qtbot.addWidget(form)
    today = dt.date(2024, 3, 10)
    assert form.selection(today) == (None, None, False)
    form.period.setCurrentIndex([days for _, days in PERIODS].index(7))
    form.unread.setChecked(True)
    assert form.selection(today) == (dt.date(2024, 3, 4), None, True), "the last 7 days include today"
    form.set_between(dt.date(2024, 3, 31), dt.date(2024, 3, 1))
    assert not form.between.isHidden()
    assert form.selection(today) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31), True), "a range given backwards"


def test_the_request_names_the_folder_the_period_and_the_session_password(tmp_path: Path) -> None:
    box = Mailbox(kind="imap", location="imaps://alice@127.0.0.1:993", cafile="/tmp/ca.pem")
    paths, title, overrides = summarize_request(box, "Work/Projects", since=dt.date(2024, 3, 1), unseen=True,
                                                password="s3cret")
    assert paths == [box.location] and title == "alice@127.0.0.1 › Work/Projects (since 2024-03-01, unread only)"
    mail = overrides["mail"]
    assert (mail.folders, mail.since, mail.until, mail.unseen, mail.cafile) == (("Work/Projects",), dt.date(2024, 3, 1),
                                                                                None, True, "/tmp/ca.pem")
    assert overrides["passwords"] == {box.location: "s3cret"}
    assert "passwords" not in summarize_request(box)[2]


def test_a_whole_folder_of_saved_messages_is_one_mailbox(tmp_path: Path) -> None:
    saved = tmp_path / "Saved mail"
    (saved / "Clients").mkdir(parents=True)
    (saved / "a.eml").write_bytes(_stores.message("A <a@example.com>", "Plan", "The plan is approved.",
                                                  "Mon, 01 Jan 2024 10:00:00 +0000").as_bytes())
    (saved / "Clients" / "b.eml").write_bytes(_stores.message("B <b@example.com>", "Order", "The order ships Monday.",
                                                              "Tue, 02 Jan 2024 10:00:00 +0000").as_bytes())
    box = local_mailbox(saved)
    assert box.kind == "eml-folder"
    paths, title, overrides = summarize_request(box)
    assert title == "Saved mail"
    [outcome] = list(iter_documents(paths, mail=overrides["mail"]))
    assert outcome.document is not None and outcome.document.metadata["store"] == "eml-folder"
    assert [c.display_name for c in outcome.document.children] == ["Saved mail › Saved mail",
                                                                   "Saved mail › Saved mail/Clients"]
