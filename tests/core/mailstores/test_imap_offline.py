"""An IMAP account's cache read back without the server (how a reopened digest's citations find
their messages): the same folder paths, the messages in UID order, nothing fetched."""

from __future__ import annotations

import pytest

from desktop.core.document import Role
from desktop.core.ingest import iter_documents
from desktop.core.mailstores import MailOptions, read_mail, store_kind
from desktop.core.mailstores.imap_account import parse_address
from desktop.core.mailstores.imap_cache import account_folder
from tests.core.mailstores._dovecot import PASSWORD, Dovecot

pytestmark = pytest.mark.xdist_group("dovecot")


def test_the_cache_reads_as_the_server_did(dovecot: Dovecot) -> None:
    folder = "Offline/Deep"
    for day in range(1, 12):  # 11 messages: UID 10 and 11 sort after 9, not after 1
        dovecot.deliver(f"Sender {day} <s{day}@example.com>", f"Note {day}", f"Note number {day} of the offline test.",
                        f"Mon, {day:02d} Jul 2024 09:00:00 +0000", folder="Offline.Deep")
    options = MailOptions(folders=(folder,), cafile=str(dovecot.cert), timeout=10)
    online = read_mail(dovecot.address(), options, password=PASSWORD)
    cache = account_folder(parse_address(dovecot.address()))
    assert online.path == cache and store_kind(cache) == "imap-cache"

    dovecot.stop()
    try:
        [outcome] = list(iter_documents([cache], mail=MailOptions(folders=(folder,))))
    finally:
        dovecot.start()
    assert outcome.error is None
    offline = outcome.document
    assert offline is not None
    [box] = offline.children
    assert box.display_name == online.children[0].display_name == f"{cache.name} › {folder}"
    headings = [b.text for b in box.blocks if b.role is Role.HEADING]
    assert headings == [b.text for b in online.children[0].blocks if b.role is Role.HEADING]
    assert headings[0].startswith("Note 1 ") and headings[-1].startswith("Note 11 ")
