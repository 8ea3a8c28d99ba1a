"""The document information dictionary of a PDF: title, author, subject, creation date."""

from __future__ import annotations

import re
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2})?'?(\d{2})?")


def document_info(reader: PdfReader) -> dict[str, Any]:
    """Title, author, subject and creation date from the document information dictionary."""
    try:
        info = reader.trailer.get("/Info")
        info = info.get_object() if info is not None else None
    except Exception:  # noqa: BLE001 - unreadable metadata must not stop the text
        return {}
    if not isinstance(info, DictionaryObject):
        return {}
    out: dict[str, Any] = {}
    for key, name in (("/Title", "title"), ("/Author", "author"), ("/Subject", "subject"), ("/CreationDate", "date")):
        try:
            value = info.get(key)
            value = value.get_object() if value is not None else None
        except Exception:  # noqa: BLE001 - one unreadable entry does not hide the others
            value = None
        text = " ".join(str(value).split()) if isinstance(value, str) else ""
        if name == "date":
            text = iso_date(text) or ""
        if text:
            out[name] = text[:500]
    return out


def iso_date(raw: str) -> str | None:
    """'D:20200806095125-04'00'' -> '2020-08-06T09:51:25-04:00'."""
    m = _PDF_DATE.match(raw.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, tz, tz_min = m.groups()
    try:
        month_i, day_i = int(month or 1), int(day or 1)
        if not (1 <= month_i <= 12 and 1 <= day_i <= 31 and int(hour or 0) < 24 and int(minute or 0) < 60
                and int(second or 0) < 60):
            return None
    except ValueError:
        return None
    out = f"{year}-{month_i:02d}-{day_i:02d}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    if tz == "Z":
        out += "Z"
    elif tz:
        out += f"{tz}:{tz_min or '00'}"
    return out
