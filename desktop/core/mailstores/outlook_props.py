"""MAPI properties of an item in an Outlook data file, read through libpff's Python bindings
(pypff) without letting one damaged property cost more than itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")

# MS-OXPROPS tags used here.
SENDER_EMAIL = 0x0C1F
SENDER_SMTP = 0x5D01
SENT_REPRESENTING_SMTP = 0x5D02
MESSAGE_CLASS = 0x001A
MESSAGE_FLAGS = 0x0E07
MSGFLAG_READ = 0x0001
#: A folder's count of unread items (PR_CONTENT_UNREAD), kept by Outlook as messages are read.
CONTENT_UNREAD = 0x3603
DISPLAY_NAME = 0x3001
EMAIL_ADDRESS = 0x3003
SMTP_ADDRESS = 0x39FE
RECIPIENT_TYPE = 0x0C15
ATTACH_FILENAME = 0x3704
ATTACH_LONG_FILENAME = 0x3707
ATTACH_METHOD = 0x3705
ATTACH_MIME_TAG = 0x370E
IPM_SUBTREE_ENTRYID = 0x35E0
WASTEBASKET_ENTRYID = 0x35E3
ATTACH_EMBEDDED_MESSAGE = 5


def safe(fn: Callable[[], T], default: T | None = None) -> T | None:
    """A pypff accessor's value, or ``default`` when libpff cannot read it (it raises IOError,
    OSError or TypeError on damaged data)."""
    try:
        return fn()
    except Exception:  # noqa: BLE001 - libpff's errors surface as several exception types
        return default


def call(fn: Callable[..., T], *args: object) -> T | None:
    """``fn(*args)``, or None when libpff cannot do it (as ``safe``)."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - libpff's errors surface as several exception types
        return None


def attr(obj: Any, name: str) -> Any | None:
    """An attribute libpff computes on access (a name, a size), or None when it cannot."""
    try:
        return getattr(obj, name)
    except Exception:  # noqa: BLE001
        return None


def entry(item: Any, tag: int) -> Any | None:
    """The record entry with property ``tag`` in the item's first record set, if any."""
    sets = safe(lambda: item.number_of_record_sets, 0) or 0
    for index in range(min(sets, 64)):
        record = call(item.get_record_set, index)
        if record is None:
            continue
        for number in range(min(attr(record, "number_of_entries") or 0, 4096)):
            found = call(record.get_entry, number)
            if found is not None and attr(found, "entry_type") == tag:
                return found
    return None


def string(item: Any, tag: int) -> str | None:
    found = entry(item, tag)
    value = safe(lambda: found.data_as_string) if found is not None else None
    return value.replace("\x00", "").strip() or None if isinstance(value, str) else None


def integer(item: Any, tag: int) -> int | None:
    found = entry(item, tag)
    value = safe(lambda: found.data_as_integer) if found is not None else None
    return value if isinstance(value, int) else None


def binary(item: Any, tag: int) -> bytes | None:
    found = entry(item, tag)
    value = safe(lambda: found.data) if found is not None else None
    return value if isinstance(value, bytes) else None


def when(item: Any) -> datetime | None:
    """When the message was sent, else received, else made (libpff gives naive UTC)."""
    for name in ("client_submit_time", "delivery_time", "creation_time"):
        value = attr(item, name)
        if isinstance(value, datetime) and value.year > 1601:
            return value
    return None


def entry_nid(entry_id: bytes | None) -> int | None:
    """The node id at the end of a PST entry id (MS-PST 2.2.2.4: flags, provider UID, NID)."""
    if entry_id is None or len(entry_id) < 24:
        return None
    return int.from_bytes(entry_id[20:24], "little")
