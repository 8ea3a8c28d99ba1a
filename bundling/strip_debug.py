"""Bundle-time removal of debug information from the lean bundle's libraries (build.spec).

Many wheels ship their compiled modules with DWARF debug sections that nothing reads at run time:
libpython alone carries 17 MB of them, PyAV's Cython modules 25 MB, CTranslate2's extension 66 MB.
``strip --strip-debug`` removes only those sections. A full strip is not used: it breaks libraries
that auditwheel patched (numpy's OpenBLAS would no longer load). And each stripped copy is checked
to load exactly as the original does, or the original ships: the same segments at the same
addresses with the same permissions, and every section they map with the same bytes at the same
address (patchelf adds segments at a file's end, which a strip moves up, so file offsets may change). Libraries whose licence asks that they ship as they are (LGPL) are
left alone.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterable
from pathlib import Path

Binary = tuple[str, str, str]  # PyInstaller's (destination, source, kind)
#: Shipped untouched whatever they carry: the LGPL libraries (libpff's pypff, FFmpeg, Qt and
#: PySide6), which the README promises ship as they were built. FFmpeg's and Qt's come stripped.
UNTOUCHED = ("pypff.", "libav", "libsw", "libpostproc", "libQt6", "libpyside6", "libshiboken6")
_ELF64_LE = b"\x7fELF\x02\x01"
_PT_LOAD = 1
_SHF_ALLOC, _SHT_NOBITS = 0x2, 8


def strip_debug_info(binaries: Iterable[Binary], out_dir: Path) -> tuple[list[Binary], int]:
    """PyInstaller's ``binaries`` with each ELF library that has debug sections replaced by a
    copy without them (made in ``out_dir``), and the bytes saved. A file whose stripped copy would
    load differently, or that ``strip`` cannot handle, ships as it is."""
    strip = shutil.which("strip")
    out: list[Binary] = []
    saved = 0
    for dest, src, kind in binaries:
        path = Path(src)
        if strip and not Path(dest).name.startswith(UNTOUCHED) and has_debug_sections(path):
            target = out_dir / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([strip, "--strip-debug", "-o", str(target), str(path)], capture_output=True,
                                  check=False)
            if done.returncode == 0 and loaded_image(target) == loaded_image(path):
                saved += path.stat().st_size - target.stat().st_size
                src = str(target)
        out.append((dest, src, kind))
    return out, saved


def _header(data: bytes | bytearray) -> tuple[int, int, int, int, int, int, int] | None:
    """(phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx) of a 64-bit little-endian ELF file."""
    if len(data) < 64 or not data.startswith(_ELF64_LE):
        return None
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 0x36)
    return phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx


def has_debug_sections(path: Path) -> bool:
    """Whether ``path`` is an ELF file with ``.debug_*`` sections."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    header = _header(data)
    if header is None:
        return False
    _, shoff, _, _, shentsize, shnum, shstrndx = header
    if not shoff or shstrndx >= shnum or shoff + shnum * shentsize > len(data):
        return False
    names_at = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 0x18)[0]
    for i in range(shnum):
        name = struct.unpack_from("<I", data, shoff + i * shentsize)[0]
        if data.startswith(b".debug_", names_at + name):
            return True
    return False


def loaded_image(path: Path) -> tuple[list[tuple[int, ...]], list[tuple[object, ...]]] | None:
    """What the dynamic loader sees of an ELF file, wherever in the file it lies: its program
    headers other than the loadable segments' file placement (type, flags, address, memory size;
    for LOAD only type, flags and address), and every allocated section's name, address, size,
    the flags of the segment that maps it and its bytes. None for anything else.

    A strip may move patchelf's segments within the file and trim their slack; what it must not
    change is any of this."""
    data = path.read_bytes()
    header = _header(data)
    if header is None:
        return None
    phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx = header
    program: list[tuple[int, ...]] = []
    loads: list[tuple[int, int, int]] = []
    for i in range(phnum):
        kind, flags, _offset, vaddr, _paddr, _filesz, memsz = struct.unpack_from("<IIQQQQQ", data, phoff + i * phentsize)
        if kind == _PT_LOAD:
            program.append((kind, flags, vaddr))
            loads.append((vaddr, memsz, flags))
        else:
            program.append((kind, flags, vaddr, memsz))
    if not shoff or shstrndx >= shnum:
        return None
    names_at = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 0x18)[0]
    sections: list[tuple[object, ...]] = []
    for i in range(shnum):
        name, kind, flags, addr, offset, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        if not flags & _SHF_ALLOC:
            continue
        label = data[names_at + name:data.index(b"\0", names_at + name)]
        mapped = next((f for start, length, f in loads if start <= addr < start + max(length, 1)), None)
        body = b"" if kind == _SHT_NOBITS else data[offset:offset + size]
        sections.append((label, addr, size, mapped, body))
    return program, sorted(sections, key=lambda s: (s[1], s[0]))
