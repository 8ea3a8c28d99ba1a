"""Turn bytes of unknown encoding into text: BOMs first, then UTF-8, then detection.

Detection runs on a sample so a 100 MB text file costs one decode, not a statistical scan of
all of it. A declared charset is trusted while what it gives reads as text: Cyrillic or CJK
mail labelled Latin-1 or US-ASCII (or KOI8-R labelled Windows-1251, and the other way round)
decodes without an error into mojibake ("Âñå ñ÷àñòëèâûå"), so such a reading is checked and,
when a legacy Cyrillic or CJK encoding reads the same bytes as coherent text, replaced.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SAMPLE = 256 * 1024
#: Legacy encodings of Cyrillic, Chinese, Japanese and Korean that 8-bit mail still arrives in
#: (Python's codec names); a reading in one of them may replace a declared Western or Cyrillic one.
LEGACY_NON_LATIN = frozenset({
    "cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic", "kz1048", "ptcp154",
    "big5", "big5hkscs", "cp950", "gbk", "gb2312", "gb18030", "hz", "cp936",
    "shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004", "euc_jisx0213",
    "euc_kr", "cp949", "johab",
})
#: Declared charsets whose reading is checked: Western single-byte ones, and the Cyrillic ones
#: mail clients confuse with each other.
_CHECKED = frozenset({"cp1252", "latin_1", "iso8859_15", "ascii", "cp1251", "koi8_r", "koi8_u", "iso8859_5",
                      "cp866", "mac_cyrillic"})
#: A reading with fewer non-ASCII letters than this is not judged: too little to tell.
_MIN_LETTERS = 4
#: Latin-1's signs and control codes: a few in Western text (°, ², «»), most of what double-byte
#: text read as Latin-1 becomes.
_LATIN1_SIGNS = frozenset(chr(c) for c in [*range(0x80, 0xA0), *range(0xA1, 0xC0), 0xD7, 0xF7])


def detect_encoding(data: bytes) -> tuple[str, int]:
    """Return (encoding, number of BOM bytes to skip)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    sample = data[:_SAMPLE]
    # UTF-16 without a BOM: every other byte of ASCII text is NUL. Checked before UTF-8, which
    # such bytes also are (NUL is valid UTF-8): read as UTF-8 they keep a NUL between letters.
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nul > 0.4 and even_nul < 0.05:
            return "utf-16-le", 0
        if even_nul > 0.4 and odd_nul < 0.05:
            return "utf-16-be", 0
    try:
        # A cut in the middle of a multi-byte character at the sample's end is not an error.
        sample.decode("utf-8") if len(data) <= _SAMPLE else codecs.getincrementaldecoder("utf-8")().decode(sample)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample).best()
    if best is not None and best.encoding:
        return best.encoding, 0
    return "cp1252", 0


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode ``data``; a declared charset (from a MIME header, say) is tried first."""
    return decode_with(data, declared)[0]


def decode_with(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text and the codec that gave it: the declared one while it reads as text, else a
    detected one."""
    if declared:
        codec = codec_name(declared)
        try:
            text = data.decode(codec)
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the name ("iso\0jp")
            pass
        else:
            if codec in _CHECKED and not legible(text):
                better = _legacy_reading(data, codec)
                if better is not None:
                    return better
            return text, codec
    encoding, skip = detect_encoding(data)
    return data[skip:].decode(encoding, errors="replace"), codec_name(encoding)


def codec_name(name: str) -> str:
    """Python's name for a charset label; Latin-1 and ASCII labels become cp1252, which decodes
    what mail clients send under them (Windows-1252 text) right."""
    label = name.strip().strip('"').lower()
    if label in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"}:
        return "cp1252"
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except (LookupError, ValueError):
        return label


def _legacy_reading(data: bytes, declared: str) -> tuple[str, str] | None:
    """The detected legacy Cyrillic or CJK reading of ``data``, when it reads as coherent text."""
    best = charset_normalizer.from_bytes(data[:_SAMPLE]).best()
    codec = codec_name(best.encoding) if best is not None and best.encoding else ""
    if codec not in LEGACY_NON_LATIN or codec == declared:
        return None
    text = data.decode(codec, errors="replace")
    return (text, codec) if legible(text) and "\ufffd" not in text[:_SAMPLE] else None


def legible(text: str) -> bool:
    """Whether a decoding reads as text in one script rather than mojibake.

    Checked on the non-ASCII characters: Latin-1's signs are not most of them ("¨g¤H¤é°O" is
    Big5 read as Latin-1); the letters keep to one script (a word mixing Latin and Cyrillic
    letters is a wrong codec); Latin text has at most a third of its letters accented ("Âñå
    ñ÷àñòëèâûå" has all of them); Cyrillic prose is mostly lower case (KOI8-R read as
    Windows-1251 swaps the cases: "бЯЕ ЯВЮЯРКХБШЕ"); CJK text holds no half-width katakana or
    characters from the rare extension planes, which other codecs' bytes fall into.
    """
    sample = text[:20_000]
    high = [c for c in sample if ord(c) > 127 and not c.isspace()]
    if len(high) >= _MIN_LETTERS and sum(c in _LATIN1_SIGNS for c in high) >= len(high) / 2:
        return False  # "¨g¤H¤é°O": the signs of Latin-1 standing in for double-byte characters
    letters = [c for c in sample if c.isalpha()]
    foreign = [c for c in letters if ord(c) > 127]
    if len(foreign) < _MIN_LETTERS:
        return True
    scripts = Counter(_script(c) for c in foreign)
    script, count = scripts.most_common(1)[0]
    if script in ("CJK", "HIRAGANA", "KATAKANA"):
        count = scripts["CJK"] + scripts["HIRAGANA"] + scripts["KATAKANA"]
    if count < 0.9 * len(foreign) or "\ufffd" in sample:
        return False
    if script == "LATIN":
        return len(foreign) <= len(letters) / 3
    if script == "CYRILLIC":
        lower = sum(c.islower() for c in foreign)
        mixed = sum(1 for word in sample.split() if _mixes_latin_and_cyrillic(word))
        return lower >= 0.6 * len(foreign) and mixed <= max(1, len(sample.split()) // 20)
    if script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"):
        odd = sum(1 for c in foreign if "\uff61" <= c <= "\uff9f" or ord(c) > 0xFFFF)
        return odd <= len(foreign) // 20
    return True


def dominant_script(text: str) -> str | None:
    """The script most of the non-ASCII letters are in ("CYRILLIC", "CJK" for Han and kana,
    "HANGUL", "LATIN"...), or None when there are none."""
    scripts = Counter(_script(c) for c in text if c.isalpha() and ord(c) > 127)
    if not scripts:
        return None
    script = scripts.most_common(1)[0][0]
    return "CJK" if script in ("HIRAGANA", "KATAKANA") else script


def codec_script(codec: str) -> str | None:
    """The script a legacy encoding was made for, or None for the others."""
    name = codec_name(codec)
    if name not in LEGACY_NON_LATIN:
        return None
    if name in ("euc_kr", "cp949", "johab"):
        return "HANGUL"
    return "CYRILLIC" if name in ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic", "kz1048",
                                  "ptcp154") else "CJK"


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("CJK") or "IDEOGRAPH" in name:
        return "CJK"
    if name.startswith("HALFWIDTH KATAKANA"):
        return "KATAKANA"
    return name.split(" ", 1)[0] if name else "OTHER"


def _mixes_latin_and_cyrillic(word: str) -> bool:
    has_latin = has_cyrillic = False
    for c in word:
        if c.isalpha():
            if "a" <= c.lower() <= "z" or "\u00c0" <= c <= "\u024f":
                has_latin = True
            elif "\u0400" <= c <= "\u04ff":
                has_cyrillic = True
    return has_latin and has_cyrillic
