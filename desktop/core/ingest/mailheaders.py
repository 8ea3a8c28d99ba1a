"""Decode email header values leniently: RFC 2047 words, raw 8-bit bytes, addresses and dates.

The standard library's modern header parser is strict where real mail is not: it replaces raw
Latin-1 bytes in a display name with U+FFFD, drops the comment-style names of mailing-list
archives (``andy at example.com (Andy Grunwald)``) and leaves encoded words inside quotes
undecoded on some versions. These helpers work on the raw header text instead, so one bad
header costs at most that header, never the message.
"""

from __future__ import annotations

import binascii
import email.utils
import re
import unicodedata
from datetime import UTC, datetime

import charset_normalizer

from desktop.core.ingest.encoding import (
    LEGACY_NON_LATIN,
    codec_name,
    codec_script,
    decode_text,
    dominant_script,
    legible,
)

# An RFC 2047 encoded word: =?charset[*lang]?B|Q?text?=
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SPACE = re.compile(r"\s+")
# Control characters other than tab/newline, zero-width and bidi-override characters ("evil\u202egpj.exe").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def decode_8bit(raw: bytes, hint: str | None = None) -> str:
    """Bytes of unknown charset from a header: UTF-8, else the message's own charset, else guess.

    Charset detection is unreliable on a dozen bytes, so it is only trusted when most letters are
    non-ASCII (Cyrillic, CJK); a few accented letters in a Western name are almost always cp1252.
    A reading that does not come out as text in one script (``legible``) is not taken.
    """
    try:
        utf8: str | None = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    # Four GBK bytes can also be valid UTF-8 ("鲁迅" is "³Ѹ"): in a message whose text is in a
    # legacy Cyrillic or CJK encoding, UTF-8 is kept only when it gives that script too.
    expected = codec_script(hint) if hint else None
    if utf8 is not None and (expected is None or dominant_script(utf8) in (None, expected)):
        return utf8
    if hint and codec_name(hint) != "utf_8":
        try:
            text = raw.decode(codec_name(hint))
            if legible(text):
                return text
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the charset name
            pass
    if utf8 is not None:
        return utf8
    high = sum(1 for b in raw if b >= 0x80)
    letters = high + sum(1 for b in raw if b < 0x80 and chr(b).isalpha())
    if len(raw) >= 8 and high >= 0.5 * max(1, letters):
        text = decode_text(raw)
        if legible(text):
            return text
    return raw.decode("cp1252", errors="replace")


def header_charset(values: list[str | None]) -> str | None:
    """A legacy Cyrillic or CJK charset that the raw 8-bit bytes of a message's headers are in,
    judged on all of them together (one name alone is too short to tell), or None."""
    raw = b" ".join(v.encode("ascii", "surrogateescape") for v in values
                    if v and any("\udc80" <= ch <= "\udcff" for ch in v))
    if sum(1 for b in raw if b >= 0x80) < 8:
        return None
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw).best()
    codec = codec_name(best.encoding) if best is not None and best.encoding else ""
    return codec if codec in LEGACY_NON_LATIN and legible(raw.decode(codec, errors="replace")) else None


def unescape_surrogates(value: str, hint: str | None = None) -> str:
    """The parser keeps raw 8-bit header bytes as lone surrogates; turn them back into text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_8bit(value.encode("ascii", "surrogateescape"), hint)


def decode_words(value: str, hint: str | None = None) -> str:
    """Decode RFC 2047 encoded words anywhere in ``value`` (even inside quotes, as clients do).

    Adjacent words in the same charset are joined as bytes before decoding, because senders
    split multi-byte characters across them.
    """
    value = unescape_surrogates(value, hint)
    if "=?" not in value:
        return clean_text(value)
    out: list[str] = []
    pending: tuple[str, bytearray] | None = None
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos:match.start()]
        if pending is not None and between.strip():
            out.append(_decode_word_bytes(bytes(pending[1]), pending[0], hint))
            pending = None
        if pending is None:
            out.append(between)  # whitespace between two encoded words is dropped (RFC 2047 6.2)
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            if pending is not None:
                out.append(_decode_word_bytes(bytes(pending[1]), pending[0], hint))
                pending = None
            out.append(match.group(0))
        elif pending is not None and pending[0].lower() == charset.lower():
            pending[1].extend(data)
        else:
            if pending is not None:
                out.append(_decode_word_bytes(bytes(pending[1]), pending[0], hint))
            pending = (charset, bytearray(data))
        pos = match.end()
    if pending is not None:
        out.append(_decode_word_bytes(bytes(pending[1]), pending[0], hint))
    out.append(value[pos:])
    return clean_text("".join(out))


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "bB":
            return binascii.a2b_base64(text + "=" * (-len(text) % 4))
        return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def _decode_word_bytes(data: bytes, charset: str, hint: str | None = None) -> str:
    """An encoded word's bytes in the charset it names, unless that reading is mojibake (Cyrillic
    or CJK bytes labelled ISO-8859-1): then as raw 8-bit bytes are read."""
    try:
        text = data.decode(codec_name(charset))
        if legible(text):
            return text
    except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the charset name
        pass
    return decode_8bit(data, hint)


def clean_text(value: str) -> str:
    """Unfold a header: control characters go, runs of whitespace become one space."""
    return _SPACE.sub(" ", _CONTROL.sub("", value)).strip()


def parse_addresses(raw: str | None, hint: str | None = None) -> list[tuple[str, str]]:
    """(display name, address) pairs; names come from quotes, angle-bracket forms or comments."""
    if not raw:
        return []
    raw = unescape_surrogates(str(raw), hint).replace("\r", " ").replace("\n", " ")
    try:
        pairs = email.utils.getaddresses([raw])
    except Exception:  # noqa: BLE001 - its parser has raised IndexError/TypeError on odd input
        pairs = []
    result = [(decode_words(name, hint), clean_text(addr)) for name, addr in pairs if name or addr]
    if not result:
        text = decode_words(raw, hint)
        return [("", text)] if text else []
    return result


def format_address(name: str, addr: str) -> str:
    """'Name <addr>', or whichever of the two is known."""
    if name and addr and name != addr:
        return f"{name} <{addr}>"
    return name or addr


def person(pairs: list[tuple[str, str]]) -> str | None:
    """The name people know a sender by: the display name, else the address."""
    for name, addr in pairs:
        if name or addr:
            return name or addr
    return None


def parse_date(raw: str | None) -> datetime | None:
    """A Date header as a datetime (naive when the zone is -0000 or missing), or None."""
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(clean_text(unescape_surrogates(str(raw))))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def iso_date(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def sort_key(value: datetime) -> float:
    """Seconds since the epoch; a date without a zone is taken as UTC so all dates compare."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.timestamp()
    except (OverflowError, ValueError, OSError):
        return 0.0


def clean_name(name: str | None, fallback: str = "attachment") -> str:
    """An attachment name safe to show and to use in a ``part`` chain.

    Drops folders ("../../etc/passwd" -> "passwd"), control and direction-override characters,
    and caps the length, keeping the extension.
    """
    text = unicodedata.normalize("NFC", name or "")
    # U+FFFD: what is left of a name cut in the middle of a character (yahoo-raw-utf8-cyrillic-filename.eml).
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).replace("\ufffd", "").replace("\\", "/")
    text = text.rsplit("/", 1)[-1].strip().strip(".").strip()
    if len(text) > 120:
        stem, dot, ext = text.rpartition(".")
        text = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else text[:120]
    return text or fallback
