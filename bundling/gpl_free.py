"""Bundle-time stand-ins for the GPL video encoders (x264, x265) that PyAV's FFmpeg links.

PyAV's Linux wheel carries an FFmpeg (LGPL-3.0) whose libavcodec names libx264 and libx265
(GPL-2.0) as needed libraries, for H.264 and HEVC encoders Precis never uses: it only decodes
sound. build.spec swaps each of the two for a stub of our own (``x26x_stub.c``, Apache-2.0) under
the same file name, built and checked by ``stubs.py`` (it must define every symbol the other
bundled libraries import from the real one); libavcodec and the rest of FFmpeg ship unmodified.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterable
from pathlib import Path

from bundling.stubs import HERE, Binary, StubError, compile_stub, replace

STUB_SOURCE = HERE / "x26x_stub.c"
#: In every stub (``x26x_stub.c``): how the bundle's licence check tells a stub from the real thing.
STUB_MARKER = b"Precis stub in place of a GPL video encoder"
#: Only x264 and x265 themselves carry these (their version banners); FFmpeg's wrappers do not.
GPL_MARKERS = (b"videolan.org/x264", b"x265.org", b"Multicoreware")
#: libx264.so.165, or auditwheel's libx264-d6533a8d.so.165: the number is the library's API build,
#: which also names its versioned entry point (x264_encoder_open_165, x265_api_get_216).
_LINUX_NAME = re.compile(r"^libx26(?P<which>[45])(?:-[0-9a-f]+)?\.so\.(?P<build>\d+)$")
#: Any file whose name says x264 or x265 (other platforms' names too): none may ship unreplaced.
_ANY_NAME = re.compile(r"x26[45]", re.IGNORECASE)


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
    return compile_stub(name, out_dir, STUB_SOURCE, {f"STUB_{which[0].upper()}": which[1]},
                        "the stand-ins for PyAV's GPL video encoders x264 and x265, which must not ship")


def stub_gpl_encoders(binaries: Iterable[Binary], out_dir: Path) -> list[Binary]:
    """PyInstaller's ``binaries`` with each libx264 and libx265 swapped for its stand-in, built in
    ``out_dir``; raises StubError when a stand-in cannot be built or misses a symbol that a library
    naming it imports, and when some other x264 or x265 file would ship."""
    binaries = list(binaries)
    stubs: dict[int, Path] = {}
    for index, (dest, src, _kind) in enumerate(binaries):
        name = Path(dest).name
        if gpl_encoder(name) is not None:
            stubs[index] = build_stub(name, out_dir)
        elif _ANY_NAME.search(name) and carries_gpl_encoder(Path(src)):
            raise StubError(f"{dest} is x264 or x265 (GPL) and has no stand-in here; it must not ship")
    return replace(binaries, stubs, STUB_SOURCE)
