"""Turn bytes of unknown encoding into text: BOMs first, then UTF-8, then detection.

Detection runs on a sample so a 100 MB text file costs one decode, not a statistical scan of
all of it.
"""

from __future__ import annotations

import codecs

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SAMPLE = 256 * 1024


def detect_encoding(data: bytes) -> tuple[str, int]:
    """Return (encoding, number of BOM bytes to skip)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    sample = data[:_SAMPLE]
    try:
        # A cut in the middle of a multi-byte character at the sample's end is not an error.
        sample.decode("utf-8") if len(data) <= _SAMPLE else codecs.getincrementaldecoder("utf-8")().decode(sample)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nul > 0.4 and even_nul < 0.05:
            return "utf-16-le", 0
        if even_nul > 0.4 and odd_nul < 0.05:
            return "utf-16-be", 0
    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and best.encoding:
        return best.encoding, 0
    return "cp1252", 0


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode ``data``; a declared charset (from a MIME header, say) is tried first."""
    if declared:
        try:
            return data.decode(_normalise(declared))
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the name ("iso\0jp")
            pass
    encoding, skip = detect_encoding(data)
    return data[skip:].decode(encoding, errors="replace")


def _normalise(name: str) -> str:
    name = name.strip().strip('"').lower()
    # Mail clients label cp1252 text as latin-1 constantly; cp1252 is a superset that decodes it right.
    if name in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
        return "cp1252"
    return name
