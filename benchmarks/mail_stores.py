"""Reading mail where it lives, side by side: the same N messages as a Maildir, a Thunderbird
folder (streamed mbox), a folder of .eml files and the same mbox as one file; a date range over
the Thunderbird folder; and an IMAP folder on a local Dovecot, first digest (fetched) against the
second (from the cache, only new mail fetched). Each row runs in a process of its own, so its
peak RSS (VmHWM) is its own. Run:

    .venv/bin/python benchmarks/mail_stores.py                 # 2,000 messages, Markdown table
    .venv/bin/python benchmarks/mail_stores.py --messages 500 --json
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PRECIS_HOME", tempfile.mkdtemp(prefix="precis-mail-bench-"))

from desktop.core.mailstores.options import MailOptions  # noqa: E402
from tests.core.mailstores._stores import message  # noqa: E402

_WORDS = ("budget", "launch", "vendor", "roadmap", "contract", "offsite", "hiring", "release", "audit", "review")


def _messages(n: int):  # -> Iterator[EmailMessage]
    for i in range(n):
        day, hour = 1 + i % 28, i % 24
        w = _WORDS[i % len(_WORDS)]
        body = (f"Message {i} about the {w}. We agreed to move the {w} forward by a week. "
                f"Please send your comments on the {w} before Friday.\n\n-- \nSender {i % 37}\n")
        yield message(f"Person {i % 37} <p{i % 37}@example.com>", f"Re: {w} {i // 10}", body,
                      f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][i % 7]}, {day:02d} {['Jan', 'Feb', 'Mar'][i % 3]} "
                      f"2024 {hour:02d}:00:00 +0000")


def build(folder: Path, n: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    md = mailbox.Maildir(folder / "Maildir", create=True)
    tb = folder / "profile" / "Mail" / "Local Folders"
    tb.mkdir(parents=True)
    (folder / "profile" / "prefs.js").write_text("//\n")
    mbox = mailbox.mbox(tb / "Inbox")
    eml = folder / "saved"
    eml.mkdir()
    for i, msg in enumerate(_messages(n)):
        md.add(msg)
        mbox.add(msg)
        (eml / f"{i:06d}.eml").write_bytes(msg.as_bytes())
    mbox.close()
    (tb / "Inbox.msf").write_text("")
    single = folder / "inbox.mbox"
    single.write_bytes((tb / "Inbox").read_bytes())
    return {"maildir": folder / "Maildir", "thunderbird": folder / "profile", "eml-folder": eml, "mbox-file": single}


def child(kind: str, path: str, options: dict) -> None:
    """One row, in this process: read, then print seconds, messages and peak RSS."""
    from desktop.core.ingest import read_document
    from desktop.core.mailstores import read_mail
    from desktop.core.memory import peak_rss_mb

    mail = MailOptions(**{k: v for k, v in options.items() if k not in ("since", "until")},
                       since=_day(options.get("since")), until=_day(options.get("until")))
    started = time.perf_counter()
    fetched = None
    if kind == "imap":
        from desktop.core.limits import Limits
        from desktop.core.mailstores.imap_store import ImapStore
        from desktop.core.mailstores.reading import read_store

        with ImapStore(path, Limits(), mail) as store:
            doc = read_store(store, mail)
            fetched = store.fetched
    else:
        doc = read_mail(path, mail, kind=kind) if kind != "mbox-file" else read_document(path)
    seconds = time.perf_counter() - started
    count = sum(int(d.metadata.get("message_count", 0)) for d in (doc.children or [doc]))
    print(json.dumps({"seconds": round(seconds, 3), "messages": count, "fetched": fetched, "peak_mb": round(peak_rss_mb(), 1)}))


def _day(text: str | None):  # -> date | None
    import datetime as dt

    return dt.date.fromisoformat(text) if text else None


def _row(kind: str, path: Path | str, options: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, str(path), json.dumps(options or {})]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(done.stdout.strip().splitlines()[-1])


def imap_rows(n: int) -> list[dict]:
    """First and second digest of an IMAP folder on a local Dovecot (skipped without Dovecot)."""
    from tests.core.mailstores._dovecot import PASSWORD, Dovecot, dovecot_available

    if not dovecot_available():
        return []
    server = Dovecot()
    try:
        box = server.maildir().add_folder("Bench")
        for msg in _messages(n):
            box.add(msg)
        server.start()
        opts = {"cafile": str(server.cert), "timeout": 30}
        os.environ["PRECIS_BENCH_IMAP_PASSWORD"] = PASSWORD
        first = _row("imap", server.address("Bench"), opts)
        server.deliver("New <new@example.com>", "New", "One new message.", "Mon, 01 Apr 2024 10:00:00 +0000", folder="Bench")
        second = _row("imap", server.address("Bench"), opts)
        return [{"store": "IMAP folder (local Dovecot, IMAPS), first digest", **first},
                {"store": "the same folder, second digest after 1 new message", **second}]
    finally:
        server.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-imap", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, options = args.child
        if kind == "imap":
            from desktop.core.mailstores import credentials
            from desktop.core.mailstores.imap_account import parse_address

            credentials.remember(parse_address(path).key, os.environ["PRECIS_BENCH_IMAP_PASSWORD"], keep=False)
        child(kind, path, json.loads(options))
        return
    with tempfile.TemporaryDirectory(prefix="precis-mail-bench-") as tmp:
        stores = build(Path(tmp), args.messages)
        size = sum(p.stat().st_size for p in (Path(tmp) / "saved").iterdir())
        rows = [{"store": "Maildir", **_row("maildir", stores["maildir"])},
                {"store": "Thunderbird folder (mbox, streamed)", **_row("thunderbird", stores["thunderbird"])},
                {"store": "folder of .eml files", **_row("eml-folder", stores["eml-folder"])},
                {"store": "the same mbox as one file (mbox reader)", **_row("mbox-file", stores["mbox-file"])},
                {"store": "Thunderbird folder, one month of three (--since/--until)",
                 **_row("thunderbird", stores["thunderbird"], {"since": "2024-02-01", "until": "2024-02-29"})}]
        if not args.no_imap:
            rows += imap_rows(args.messages)
    for row in rows:
        row["messages_per_s"] = round(row["messages"] / row["seconds"]) if row["seconds"] else None
    if args.json:
        print(json.dumps({"messages": args.messages, "bytes": size, "rows": rows}, indent=1))
        return
    print(f"{args.messages:,} messages ({size / 2**20:.1f} MB as .eml files), read by Precis's mail stores\n")
    print("| store | messages read | fetched from the server | seconds | messages/s | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        fetched = "–" if row.get("fetched") is None else f"{row['fetched']:,}"
        print(f"| {row['store']} | {row['messages']:,} | {fetched} | {row['seconds']:.2f} | {row['messages_per_s']:,} | "
              f"{row['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
