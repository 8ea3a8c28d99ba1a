"""The mail options every reading command shares (extract, summarize, batch): which folders,
dates and unread mail of a mail store, and for imap:// addresses the certificate to trust and
where the password comes from (the keyring, PRECIS_IMAP_PASSWORD, or a prompt on a terminal)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from desktop.core.ingest import is_mail_address
from desktop.core.mailstores import credentials, parse_day
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.mailstores.options import MailOptions

PASSWORD_VARIABLE = "PRECIS_IMAP_PASSWORD"


def add_mail_options(p: argparse.ArgumentParser, *, imap: bool = True) -> None:
    g = p.add_argument_group(
        "mail stores",
        "A Maildir, a Thunderbird profile or folder, Apple Mail's folders and Outlook .pst/.ost files are read "
        "as mail stores (one digest part per folder)" + (", and so is an IMAP address, "
                                                          "imaps://user@server[:port]/Folder (TLS from the start) or "
                                                          "imap://... (STARTTLS required); its password comes from the "
                                                          f"system keyring, ${PASSWORD_VARIABLE}, or a prompt" if imap else "")
        + ". With --folder, --since, --until or --unseen a plain folder of .eml files is read as one mailbox too.")
    g.add_argument("--folder", action="append", default=[], metavar="NAME",
                   help="read only this folder of a mail store and the folders under it (\"Inbox\", \"Work/Projects\"); "
                        "repeat for more")
    g.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only messages dated on or after this day")
    g.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="only messages dated on or before this day")
    g.add_argument("--unseen", action="store_true", help="only unread messages")
    if imap:
        g.add_argument("--imap-cafile", metavar="PEM",
                       help="also trust the certificate authority in this file (a server with a certificate of its own)")
        g.add_argument("--imap-timeout", type=float, default=30.0, metavar="SECONDS",
                       help="give up on a mail server that does not answer for this long (default 30)")


def add_watch_mail_options(p: argparse.ArgumentParser) -> None:
    """What ``watch`` takes of the mail options: folders, and the IMAP connection's (a period or
    "unread only" mean nothing to mail that has just arrived)."""
    from desktop.core.watch.mailbox import IMAP_CHECK_S

    g = p.add_argument_group(
        "mailboxes",
        "A Maildir, a Thunderbird profile or folder, Apple Mail's folders, or an IMAP address "
        "(imaps://user@server[:port]/Folder, or imap://... with STARTTLS required) is watched as a mailbox: the mail "
        "that arrives after watching began is summarized, one digest per folder per look. The IMAP password comes "
        f"from the system keyring, ${PASSWORD_VARIABLE}, or a prompt; without one that mailbox waits and says so.")
    g.add_argument("--folder", action="append", default=[], metavar="NAME",
                   help="watch only this folder of a mailbox and the folders under it (\"INBOX\", \"Work/Projects\"); "
                        "repeat for more; with it a folder of .eml files is watched as one mailbox too")
    g.add_argument("--imap-cafile", metavar="PEM",
                   help="also trust the certificate authority in this file (a server with a certificate of its own)")
    g.add_argument("--imap-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="give up on a mail server that does not answer for this long (default 30)")
    g.add_argument("--mail-poll", type=float, default=IMAP_CHECK_S, metavar="S",
                   help=f"seconds between looks at an IMAP server (default {IMAP_CHECK_S:g}; mail stores on disk are "
                        "looked at every --poll)")
    g.add_argument("--no-idle", action="store_true",
                   help="only poll an IMAP server, even where it offers IDLE (by default a watched IMAP folder is also "
                        "held in IDLE on a connection of its own, so new mail is summarized within seconds)")


def _day(text: str):  # -> date
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def mail_options(args: argparse.Namespace) -> MailOptions:
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since and until and since > until:
        raise SystemExit("precis-cli: --since is after --until")
    return MailOptions(folders=tuple(getattr(args, "folder", []) or ()), since=getattr(args, "since", None),
                       until=getattr(args, "until", None), unseen=bool(getattr(args, "unseen", False)),
                       cafile=getattr(args, "imap_cafile", None), timeout=float(getattr(args, "imap_timeout", 30.0)),
                       keep_password=not os.environ.get(PASSWORD_VARIABLE))


def imap_passwords(sources: list[str]) -> dict[str, str]:
    """A password for each IMAP account among ``sources`` that the keyring (or this session) does
    not have: from $PRECIS_IMAP_PASSWORD, else asked on the terminal; none when neither works
    (the job then says that the password is needed)."""
    out: dict[str, str] = {}
    for source in sources:
        if not is_mail_address(source):
            continue
        try:
            account = parse_address(source)
        except Exception as exc:  # noqa: BLE001 - a malformed address is reported by the job itself
            del exc
            continue
        if account.key in out:
            continue
        from_env = os.environ.get(PASSWORD_VARIABLE)
        if from_env:
            out[account.key] = from_env
        elif credentials.lookup(account.key):
            continue
        elif sys.stdin.isatty():
            typed = getpass.getpass(f"Password for {account.user} on {account.host}: ")
            if typed:
                out[account.key] = typed
        else:
            print(f"precis-cli: no password for {account.label} in the keyring; set {PASSWORD_VARIABLE} "
                  "or run in a terminal to be asked.", file=sys.stderr)
    return out
