"""Bundle-time stand-ins for the video codec libraries PyAV's FFmpeg links (lean bundle only).

libavcodec names SVT-AV1, dav1d, libvpx, libwebp, libwebpmux and LAME as needed libraries (12 MB
together) for video and image codecs and an MP3 encoder; Precis decodes only sound, with FFmpeg's
own audio decoders. build.spec swaps each for a stub of ours under the same file name
(``codec_stub.c``), built and checked by ``stubs.py``. Only PyAV's copies (in ``av.libs/``) are
replaced: Pillow's own libwebp, which reads WebP images for OCR, ships as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from bundling.stubs import HERE, Binary, compile_stub, replace

STUB_SOURCE = HERE / "codec_stub.c"
STUB_MARKER = b"Precis stub in place of a codec library it never calls"
#: Library name -> the macro that selects its functions in ``codec_stub.c``.
LIBRARIES = {"libSvtAv1Enc": "STUB_SVTAV1", "libdav1d": "STUB_DAV1D", "libvpx": "STUB_VPX",
             "libwebp": "STUB_WEBP", "libwebpmux": "STUB_WEBPMUX", "libmp3lame": "STUB_MP3LAME"}
#: libvpx.so.12, or auditwheel's libvpx-edb6de90.so.12.0.0.
_NAME = re.compile(rf"^(?P<library>{'|'.join(LIBRARIES)})(?:-[0-9a-f]{{8}})?\.so(?:\.\d+)*$")
PYAV_LIBS = "av.libs"


def unused_codec(dest: str) -> str | None:
    """The library name (``libvpx``) when ``dest`` is one of PyAV's copies of a library stubbed here."""
    path = PurePosixPath(dest.replace("\\", "/"))
    match = _NAME.match(path.name)
    return match["library"] if match and path.parent.name == PYAV_LIBS else None


def stub_unused_codecs(binaries: Iterable[Binary], out_dir: Path) -> list[Binary]:
    """PyInstaller's ``binaries`` with PyAV's copies of the libraries above swapped for stand-ins
    built in ``out_dir``; raises StubError when one cannot be built or misses a symbol that a
    library naming it imports."""
    binaries = list(binaries)
    stubs: dict[int, Path] = {}
    for index, (dest, _src, _kind) in enumerate(binaries):
        library = unused_codec(dest)
        if library is not None:
            stubs[index] = compile_stub(Path(dest).name, out_dir, STUB_SOURCE, {LIBRARIES[library]: 1},
                                        "stand-ins for video codec libraries PyAV links and Precis never calls")
    return replace(binaries, stubs, STUB_SOURCE)
