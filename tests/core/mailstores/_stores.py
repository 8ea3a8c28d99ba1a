"""Mail stores written by real libraries for the tests: Python's ``mailbox`` writes the Maildir
and the mbox files, ``email`` the messages, ``plistlib`` Apple Mail's property lists, laid out as
Thunderbird and Apple Mail lay out theirs."""

from __future__ import annotations

import mailbox
import os
import plistlib
from email.message import EmailMessage
from pathlib import Path


def message(sender: str, subject: str, body: str, date: str | None, *, to: str = "team@example.com",
            attachment: tuple[str, bytes] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if date:
        msg["Date"] = date
    msg["Message-ID"] = f"<{abs(hash((sender, subject, date)))}@example.com>"
    msg.set_content(body)
    if attachment:
        name, data = attachment
        maintype, subtype = ("application", "pdf") if name.endswith(".pdf") else ("text", "plain")
        if maintype == "text":
            msg.add_attachment(data.decode(), subtype=subtype, filename=name)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def maildir(root: Path) -> Path:
    """INBOX (one read, one new, one trashed), Work/Projects (Maildir++), Trash."""
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(root, create=True)
    read = mailbox.MaildirMessage(message("Alice Smith <alice@example.com>", "Budget",
                                          "We agreed to cut the travel budget by ten percent.", "Mon, 01 Jan 2024 10:00:00 +0000"))
    read.set_subdir("cur")
    read.add_flag("S")
    box.add(read)
    box.add(message("Carol Jones <carol@example.com>", "Launch", "The launch moves to March because the vendor is late.",
                    "Tue, 05 Mar 2024 10:00:00 +0000"))
    trashed = mailbox.MaildirMessage(message("Spam <spam@example.com>", "Deleted", "This one was deleted.",
                                             "Wed, 06 Mar 2024 10:00:00 +0000"))
    trashed.set_subdir("cur")
    trashed.add_flag("ST")
    box.add(trashed)
    projects = box.add_folder("Work.Projects")
    projects.add(message("Dan Wu <dan@example.com>", "Roadmap", "Please review the roadmap before Friday.",
                         "Wed, 06 Mar 2024 09:00:00 +0000"))
    box.add_folder("Trash").add(message("Old <old@example.com>", "Binned", "A message in the bin.", "Mon, 01 Jan 2024 08:00:00 +0000"))
    (root / "dovecot-uidlist").write_text("3 V1 N4\n")
    return root


def thunderbird_profile(base: Path) -> Path:
    """A profile: prefs.js, Mail/Local Folders (Inbox with a deleted message, Archives.sbd/2023,
    Trash) and ImapMail/imap.example.com/INBOX, each folder an mbox file with its .msf beside it."""
    profile = base / "x1y2z3.default-release"
    local = profile / "Mail" / "Local Folders"
    (local / "Archives.sbd").mkdir(parents=True)
    (profile / "ImapMail" / "imap.example.com").mkdir(parents=True)
    (profile / "prefs.js").write_text('user_pref("mail.server.server1.name", "Local Folders");\n')
    (profile / "lock").write_text("")
    write_mbox(local / "Inbox", [
        (message("Eve Adams <eve@example.org>", "Meetings", "From here on we meet on Tuesdays at ten.",
                 "Mon, 01 Jan 2024 10:00:00 +0000"), "0001"),
        (message("Fay <fay@example.org>", "Deleted", "Thunderbird marked this one deleted.", "Mon, 01 Jan 2024 11:00:00 +0000"), "0009"),
        (message("Gil <gil@example.org>", "Unread", "The offsite is booked for May.", "Tue, 02 Jan 2024 09:00:00 +0000"), "0000"),
    ])
    write_mbox(local / "Archives.sbd" / "2023", [
        (message("Hal <hal@example.org>", "Old decision", "Archived decision: keep the old server.", "Mon, 01 May 2023 10:00:00 +0000"), "0001"),
    ])
    write_mbox(local / "Trash", [
        (message("Ivy <ivy@example.org>", "Binned", "Deleted mail.", "Mon, 01 May 2023 10:00:00 +0000"), "0001"),
    ])
    write_mbox(profile / "ImapMail" / "imap.example.com" / "INBOX", [
        (message("Jon <jon@example.org>", "Offline copy", "An IMAP message kept for offline use.", "Wed, 03 Jan 2024 09:00:00 +0000"), "0001"),
    ])
    (local / "msgFilterRules.dat").write_text('version="9"\n')
    return profile


def write_mbox(path: Path, entries: list[tuple[EmailMessage, str]]) -> None:
    box = mailbox.mbox(path, create=True)
    for msg, status in entries:
        msg["X-Mozilla-Status"] = status
        box.add(msg)
    box.close()
    for lock in path.parent.glob(path.name + ".lock"):
        lock.unlink()
    Path(f"{path}.msf").write_text("// <!-- <mdb:mork:z v=\"1.4\"/> -->\n")


def emlx_bytes(msg: EmailMessage | bytes, *, read: bool = True, received: int = 1704103200) -> bytes:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes()
    info = plistlib.dumps({"flags": 8590195713 if read else 8590195712, "date-received": received,
                           "remote-id": "42", "subject": "x"})
    return f"{len(raw)}\n".encode() + raw + info


def apple_mail(base: Path) -> Path:
    """V10/<account>/INBOX.mbox and Work.mbox/Projects.mbox with .emlx messages; an exported
    mailbox (Export.mbox holding one mbox file) beside them."""
    v10 = base / "V10"
    account = v10 / "1A2B3C4D-ACCOUNT"
    inbox = account / "INBOX.mbox" / "5E6F-UUID" / "Data" / "Messages"
    projects = account / "Work.mbox" / "Projects.mbox" / "7A8B-UUID" / "Data" / "1" / "Messages"
    for folder in (inbox, projects):
        folder.mkdir(parents=True)
    (account / "INBOX.mbox" / "Info.plist").write_bytes(plistlib.dumps({"DisplayName": "INBOX"}))
    (inbox / "101.emlx").write_bytes(emlx_bytes(message("Kim <kim@example.com>", "Quarterly plan",
                                                        "The quarterly plan is approved.", "Mon, 01 Jan 2024 10:00:00 +0000")))
    (inbox / "102.emlx").write_bytes(emlx_bytes(message("Lee <lee@example.com>", "Unread note",
                                                        "The contract renews in June.", "Tue, 02 Jan 2024 10:00:00 +0000"), read=False))
    (projects / "7.emlx").write_bytes(emlx_bytes(message("Max <max@example.com>", "Milestone",
                                                         "Milestone two slips a week.", "Wed, 03 Jan 2024 10:00:00 +0000")))
    (account / "Export.mbox").mkdir()
    write_mbox(account / "Export.mbox" / "mbox", [(message("Ned <ned@example.com>", "Exported", "An exported message.",
                                                           "Thu, 04 Jan 2024 10:00:00 +0000"), "0001")])
    os.remove(account / "Export.mbox" / "mbox.msf")
    return v10
