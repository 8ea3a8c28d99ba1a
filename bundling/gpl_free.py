"""Bundle-time stand-ins for the GPL video encoders (x264, x265) that PyAV's FFmpeg links.

PyAV's Linux wheel carries an FFmpeg (LGPL-3.0) whose libavcodec names libx264 and libx265
(GPL-2.0) as needed libraries, for H.264 and HEVC encoders Precis never uses: it only decodes
sound. build.spec swaps each of the two for a stub of our own (``x26x_stub.c``, Apache-2.0) under
the same file name, built here with the system's C compiler; libavcodec and the rest of FFmpeg
ship unmodified. Before a stub replaces a library, the stub is checked to define every symbol that
the other bundled libraries import from the real one, so a PyAV upgrade that needs more stops the
build with the names instead of shipping a bundle that cannot load.
"""

from __future__ import annotations

import mmap
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

STUB_SOURCE = Path(__file__).with_name("x26x_stub.c")
#: In every stub (``x26x_stub.c``): how the bundle's licence check tells a stub from the real thing.
STUB_MARKER = b"Precis stub in place of a GPL video encoder"
#: Only x264 and x265 themselves carry these (their version banners); FFmpeg's wrappers do not.
GPL_MARKERS = (b"videolan.org/x264", b"x265.org", b"Multicoreware")
#: libx264.so.165, or auditwheel's libx264-d6533a8d.so.165: the number is the library's API build,
#: which also names its versioned entry point (x264_encoder_open_165, x265_api_get_216).
_LINUX_NAME = re.compile(r"^libx26(?P<which>[45])(?:-[0-9a-f]+)?\.so\.(?P<build>\d+)$")
#: Any file whose name says x264 or x265 (other platforms' names too): none may ship unreplaced.
_ANY_NAME = re.compile(r"x26[45]", re.IGNORECASE)

Binary = tuple[str, str, str]  # PyInstaller's (destination, source, kind)


class StubError(RuntimeError):
    """The stand-ins could not be built or do not cover what the bundle imports; the message says why."""


def gpl_encoder(name: str) -> tuple[str, int] | None:
    """``("x264", 165)`` for a Linux libx264 of API build 165 (likewise x265); None for any other file."""
    match = _LINUX_NAME.match(name)
    return (f"x26{match['which']}", int(match["build"])) if match else None


def carries_gpl_encoder(path: Path) -> bool:
    """Whether the file at ``path`` holds x264 or x265 code (their banners), as opposed to a stub or FFmpeg."""
    if not path.is_file() or path.is_symlink() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return any(data.find(marker) != -1 for marker in GPL_MARKERS)


def build_stub(name: str, out_dir: Path) -> Path:
    """Compile the stand-in for the library file ``name`` into ``out_dir``, with ``name`` as its SONAME."""
    which = gpl_encoder(name)
    if which is None:
        raise StubError(f"{name} is not a Linux libx264 or libx265, so there is no stand-in for it")
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        raise StubError("building the bundle needs a C compiler (cc, e.g. apt-get install gcc): it compiles the "
                        "stand-ins for PyAV's GPL video encoders x264 and x265, which must not ship")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    # -nostdlib: the stubs call nothing, so they need neither libc nor its headers.
    command = [cc, "-shared", "-fPIC", "-O2", "-nostdlib", f"-DSTUB_{which[0].upper()}={which[1]}",
               f"-Wl,-soname,{name}", "-o", str(target), str(STUB_SOURCE)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StubError(f"compiling the stand-in {name} failed: {done.stderr.strip()}")
    return target


def dynamic_symbols(path: Path, *, defined: bool) -> set[str]:
    """The dynamic symbols ``path`` defines (exports) or, with ``defined=False``, imports; versions dropped."""
    nm = shutil.which("nm")
    if nm is None:
        raise StubError("checking the stand-ins needs nm (binutils, which comes with the C compiler)")
    which = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run([nm, "-D", which, str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def stub_gpl_encoders(binaries: Iterable[Binary], out_dir: Path) -> list[Binary]:
    """PyInstaller's ``binaries`` with each libx264 and libx265 swapped for its stand-in, built in
    ``out_dir``; raises StubError when a stand-in cannot be built or misses a symbol that a library
    naming it imports, and when some other x264 or x265 file would ship."""
    binaries = list(binaries)
    out: list[Binary] = []
    for dest, src, kind in binaries:
        name = Path(dest).name
        if gpl_encoder(name) is not None:
            stub = build_stub(name, out_dir)
            _check_covers(Path(src), stub, [Path(s) for d, s, _ in binaries if Path(d).name != name])
            src = str(stub)
        elif _ANY_NAME.search(name) and carries_gpl_encoder(Path(src)):
            raise StubError(f"{dest} is x264 or x265 (GPL) and has no stand-in here; it must not ship")
        out.append((dest, src, kind))
    return out


def _check_covers(real: Path, stub: Path, others: list[Path]) -> None:
    """The stub defines every symbol that a library naming ``real`` (libavcodec) imports from it."""
    needed_by = [p for p in others if p.is_file() and _names(p, real.name.encode())]
    imported = set().union(*(dynamic_symbols(p, defined=False) for p in needed_by)) if needed_by else set()
    missing = (dynamic_symbols(real, defined=True) & imported) - dynamic_symbols(stub, defined=True)
    if missing:
        raise StubError(f"the stand-in for {real.name} lacks {', '.join(sorted(missing))}, which "
                        f"{', '.join(p.name for p in needed_by)} import; add them to {STUB_SOURCE.name}")


def _names(path: Path, needle: bytes) -> bool:
    """Whether ``path`` contains ``needle`` (a needed library's name sits in its dynamic string table)."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(needle) != -1
