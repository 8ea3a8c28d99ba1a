"""What the Mail tab's unread counts cost: listing a Thunderbird folder of N messages (written by
Python's ``mailbox`` with X-Mozilla-Status headers, one in three unread, bodies padded to a given
size) without counts (``folders()``, the listing before counts) and with them (``list_folders``:
the X-Mozilla-Status headers searched in the mapped file), side by side, best of three, warm disk
cache; and the same for an Apple Mail mailbox of .emlx files (property lists read at their ends);
then what the IMAP cache's size cap costs after a fetch: one trim over N cached files.
Run:

    .venv/bin/python benchmarks/mail_counts.py                    # 10,000 messages of ~4 KB
    .venv/bin/python benchmarks/mail_counts.py --messages 10000 --body-kb 40
"""

from __future__ import annotations

import argparse
import mailbox
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from desktop.core.mailstores import list_folders, open_store
from desktop.core.mailstores.imap_cache_trim import trim
from tests.core.mailstores._stores import emlx_bytes, message


def build(folder: Path, n: int, body_kb: int) -> tuple[Path, Path, int]:
    profile = folder / "profile"
    local = profile / "Mail" / "Local Folders"
    local.mkdir(parents=True)
    (profile / "prefs.js").write_text("//\n")
    box = mailbox.mbox(local / "Inbox")
    apple = folder / "Apple" / "INBOX.mbox" / "UUID" / "Data" / "Messages"
    apple.mkdir(parents=True)
    filler = ("The quarterly numbers are in and the launch is on track. " * 20 + "\n") * max(1, body_kb * 1024 // 1180)
    for i in range(n):
        msg = message(f"Person {i % 37} <p{i % 37}@example.com>", f"Note {i}", f"Message {i}.\n{filler}",
                      f"Mon, {1 + i % 28:02d} Jan 2024 10:00:00 +0000")
        msg["X-Mozilla-Status"] = "0000" if i % 3 == 0 else "0001"
        box.add(msg)
        (apple / f"{i + 1}.emlx").write_bytes(emlx_bytes(msg, read=i % 3 != 0))
    box.close()
    (local / "Inbox.msf").write_text("")
    return profile, folder / "Apple", (local / "Inbox").stat().st_size


def best(fn, runs: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return min(times), out


def plain_listing(location: Path):  # the listing as it was before counts
    with open_store(location) as store:
        return store.folders()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--body-kb", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="precis-count-bench-") as tmp:
        profile, apple, size = build(Path(tmp), args.messages, args.body_kb)
        print(f"{args.messages:,} messages, a {size / 2**20:,.0f} MB Thunderbird mbox; the same as .emlx files\n")
        print("| store | listing without counts, s | listing with counts, s | messages | unread |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, location in (("Thunderbird folder (mbox)", profile), ("Apple Mail mailbox (.emlx)", apple)):
            before, _ = best(lambda loc=location: plain_listing(loc))
            after, root = best(lambda loc=location: list_folders(loc))
            leaf = next(f for f in root.walk() if f.count)  # type: ignore[union-attr]
            print(f"| {name} | {before:.3f} | {after:.3f} | {leaf.count:,} | {leaf.unread:,} |")
        cache = Path(tmp) / "imap" / "account" / "INBOX"
        cache.mkdir(parents=True)
        for i in range(args.messages):
            (cache / f"{i + 1}.eml").write_bytes(b"x" * 4096)
        under, _ = best(lambda: trim(cache.parent.parent, 2**40))
        print(f"\nIMAP cache trim over {args.messages:,} cached messages under the cap: {under:.3f} s")


if __name__ == "__main__":
    main()
