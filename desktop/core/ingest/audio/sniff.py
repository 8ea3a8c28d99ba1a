"""Recognise a recording by its first bytes: the container's signature, never the file's name.

WAV (and RF64), MP3 (ID3 tag or two MPEG audio frame headers), AAC in ADTS frames, the ISO
media family (M4A, MP4, MOV, 3GP: an ``ftyp`` box, or QuickTime's older leading atoms), Ogg
(Opus, Vorbis, FLAC inside), FLAC, Matroska and WebM, AVI and AIFF. HEIF/AVIF photos share
MP4's box layout and are told apart by their brand.
"""

from __future__ import annotations

#: Extensions offered in file dialogs and walked in folders (the content still decides).
RECORDING_EXTENSIONS = frozenset({
    ".wav", ".mp3", ".m4a", ".aac", ".mp4", ".m4v", ".mov", ".3gp", ".ogg", ".oga", ".opus", ".flac",
    ".webm", ".mkv", ".mka", ".avi", ".aif", ".aiff",
})
#: Caption files that name a recording's speakers when they sit beside it with its name.
SIDECAR_SUFFIXES = (".vtt", ".srt")
#: ISO base media brands of still images (HEIC/HEIF, AVIF, JPEG 2000, Canon raw): not recordings.
_IMAGE_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif",
                           b"avis", b"crx ", b"jp2 ", b"jpx "})
#: QuickTime files from before the ``ftyp`` box start with one of these atoms.
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def is_sidecar(name: str, names: set[str]) -> bool:
    """True for ``x.vtt``/``x.srt`` when ``names`` (a folder's file names, lower case) hold a
    recording ``x.<ext>``: the captions name that recording's speakers and are not read twice."""
    stem, dot, suffix = name.lower().rpartition(".")
    if not dot or f".{suffix}" not in SIDECAR_SUFFIXES:
        return False
    return any(f"{stem}{ext}" in names for ext in RECORDING_EXTENSIONS)


def recording_kind(head: bytes) -> str | None:
    """The container's name ("WAV", "MP3", "MP4"...) when ``head`` (the first 4 KB or more) starts
    a recording, else None."""
    if len(head) < 12:
        return None
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "WAV"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head.startswith(b"OggS"):
        return "Ogg"
    if head.startswith(b"fLaC"):
        return "FLAC"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "WebM" if b"webm" in head[:64] else "Matroska"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return None
        return "QuickTime" if brand == b"qt  " else "MP4"
    if head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return "QuickTime"
    if head.startswith(b"ID3") and head[3] < 0xFF and head[4] < 0xFF:
        return "MP3"
    return _frames(head)


def _frames(head: bytes) -> str | None:
    """MP3 or ADTS AAC without a tag: a frame header at the start and another one after it."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 text's byte-order mark, not a frame
        return None
    first = _frame_header(head, 0)
    if first is None:
        return None
    for at in range(4, min(len(head), 4096) - 3):
        second = _frame_header(head, at)
        if second == first:
            return first
    return None


def _frame_header(data: bytes, at: int) -> str | None:
    b0, b1, b2 = data[at], data[at + 1], data[at + 2]
    if b0 != 0xFF or b1 & 0xE0 != 0xE0:
        return None
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if layer == 0:  # ADTS: a 12-bit sync, layer 00, and a sampling index below 13
        return "AAC" if b1 & 0xF0 == 0xF0 and (b2 >> 2) & 0x0F < 13 else None
    if version == 1 or b2 >> 4 == 0x0F or (b2 >> 2) & 3 == 3:  # reserved version, bad bitrate or rate
        return None
    return "MP3"
