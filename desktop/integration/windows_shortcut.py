"""A Windows shell link (.lnk) written as bytes ([MS-SHLLINK]), so the "Send to" shortcut needs
neither pywin32 nor PowerShell: a header, the target as a local path (ANSI and Unicode) in a
LinkInfo block, then the arguments, description and icon as Unicode strings.

https://learn.microsoft.com/openspecs/windows_protocols/ms-shllink/
"""

from __future__ import annotations

import struct
import uuid

LINK_CLSID = uuid.UUID("00021401-0000-0000-c000-000000000046").bytes_le
HAS_LINK_INFO, HAS_NAME, HAS_WORKING_DIR, HAS_ARGUMENTS, HAS_ICON, IS_UNICODE = 0x2, 0x4, 0x10, 0x20, 0x40, 0x80
SW_SHOWNORMAL = 1
DRIVE_FIXED = 3


def _unicode_string(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return struct.pack("<H", len(data) // 2) + data


def _link_info(target: str) -> bytes:
    """VolumeIDAndLocalBasePath with the optional Unicode offsets (header size 0x24)."""
    volume = struct.pack("<IIII", 0x11, DRIVE_FIXED, 0, 0x10) + b"\x00"
    ansi = target.encode("ascii", "replace") + b"\x00"
    suffix = b"\x00"
    wide = target.encode("utf-16-le") + b"\x00\x00"
    wide_suffix = b"\x00\x00"
    header = 0x24
    volume_at = header
    base_at = volume_at + len(volume)
    suffix_at = base_at + len(ansi)
    wide_at = suffix_at + len(suffix)
    wide_suffix_at = wide_at + len(wide)
    size = wide_suffix_at + len(wide_suffix)
    head = struct.pack("<IIIIIIIII", size, header, 0x1, volume_at, base_at, 0, suffix_at, wide_at, wide_suffix_at)
    return head + volume + ansi + suffix + wide + wide_suffix


def shortcut_bytes(target: str, *, arguments: str = "", description: str = "", icon: str = "", name: str = "") -> bytes:
    """A shortcut to the absolute Windows path ``target`` with command-line ``arguments``."""
    flags = HAS_LINK_INFO | IS_UNICODE | (HAS_NAME if description or name else 0)
    flags |= (HAS_ARGUMENTS if arguments else 0) | (HAS_ICON if icon else 0) | HAS_WORKING_DIR
    header = struct.pack("<I16sII8s8s8sIiIHHII", 0x4C, LINK_CLSID, flags, 0x20, b"\0" * 8, b"\0" * 8, b"\0" * 8,
                         0, 0, SW_SHOWNORMAL, 0, 0, 0, 0)
    strings = b""
    if flags & HAS_NAME:
        strings += _unicode_string(description or name)
    folder = target.rsplit("\\", 1)[0] if "\\" in target else ""
    strings += _unicode_string(folder)
    if arguments:
        strings += _unicode_string(arguments)
    if icon:
        strings += _unicode_string(icon)
    return header + _link_info(target) + strings + struct.pack("<I", 0)
