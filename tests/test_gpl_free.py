"""The stand-ins for PyAV's GPL video encoders (bundling/gpl_free.py): with libx264 and libx265
swapped for them, as build.spec does in the bundle, the real PyAV still imports and Precis decodes
the sound of every kind of recording, while the x264 and x265 encoders only fail to open."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bundling.gpl_free import STUB_MARKER, StubError, _check_covers, build_stub, carries_gpl_encoder, stub_gpl_encoders
from tests.core.ingest._recordings import RATE, write

REPO = Path(__file__).resolve().parents[1]
#: Sound in the containers Precis reads, H.264 and VP8 pictures beside it in three of them.
RECORDINGS = ["wav", "mp3", "m4a", "aac", "ogg", "opus", "flac", "webm", "mp4", "mkv", "mov"]

pytestmark = pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None or shutil.which("nm") is None,
                                reason="no C compiler (cc) or no nm here to build the stand-ins (apt-get install gcc)")

#: Run in a child with the stubbed copy of PyAV first on the path: the sound of each recording through
#: Precis's own decoder, what opening the GPL encoders does, and which x264/x265 files got loaded.
CHILD = r"""
import json, sys
from fractions import Fraction
from pathlib import Path
import av
from desktop.core.ingest.audio.decode import open_recording, slabs
from desktop.core.ingest.context import ReadContext

report = {"av": av.__file__, "decoded": {}, "encoders": {}}
for path in sys.argv[1:]:
    ctx = ReadContext(path=Path(path))
    src = open_recording(Path(path), "recording", ctx)
    try:
        samples = [s.samples for s in slabs(src, ctx, 120.0, lambda: False)]
        report["decoded"][Path(path).suffix] = [src.codec, sum(len(s) for s in samples),
                                                max(float(abs(s).max()) for s in samples)]
    finally:
        src.close()
for name in ("libx264", "libx265"):
    context = av.CodecContext.create(name, "w")
    context.width, context.height, context.pix_fmt = 64, 64, "yuv420p"
    context.time_base = Fraction(1, 25)
    try:
        context.open()
        report["encoders"][name] = "opened"
    except av.error.FFmpegError as exc:
        report["encoders"][name] = f"{type(exc).__name__}: {exc}"
with open("/proc/self/maps") as maps:
    report["loaded"] = sorted({line.split()[-1] for line in maps if "x26" in line})
print(json.dumps(report))
"""


def _site_av() -> tuple[Path, Path]:
    import av

    package = Path(av.__file__).parent
    return package, package.with_name("av.libs")


@pytest.fixture(scope="module")
def stubbed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the installed PyAV whose av.libs holds the stand-ins, put in place by the very function
    build.spec calls on the bundle's binaries."""
    package, libs = _site_av()
    if not libs.is_dir() or not any(libs.glob("libx264*")):
        pytest.skip(f"this PyAV has no bundled libx264 in {libs} to replace")
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(package, site / "av", ignore=shutil.ignore_patterns("__pycache__"))
    binaries = [(f"av.libs/{p.name}", str(p), "BINARY") for p in sorted(libs.iterdir())]
    for dest, src, _ in stub_gpl_encoders(binaries, site / "stubs"):
        (site / dest).parent.mkdir(exist_ok=True)
        shutil.copy2(src, site / dest)
    return site


def test_recordings_decode_with_the_gpl_encoders_replaced(stubbed_site: Path, tmp_path: Path) -> None:
    _, libs = _site_av()
    # The wheel's own copies are x264 and x265 (the check can fail); none of them is in the stubbed copy.
    assert carries_gpl_encoder(next(libs.glob("libx264*"))) and carries_gpl_encoder(next(libs.glob("libx265*")))
    shipped = sorted((stubbed_site / "av.libs").iterdir())
    assert not [p.name for p in shipped if carries_gpl_encoder(p)]
    stubs = [p for p in shipped if p.name.startswith(("libx264", "libx265"))]
    assert len(stubs) == 2 and all(STUB_MARKER in p.read_bytes() for p in stubs)

    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype(np.int16)  # one second of A440
    files = [str(write(tmp_path / f"tone.{ext}", tone)) for ext in RECORDINGS]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stubbed_site), str(REPO)])}
    out = subprocess.run([sys.executable, "-c", CHILD, *files], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(report["av"]).is_relative_to(stubbed_site)
    # The stand-ins, and only they, were loaded.
    assert len(report["loaded"]) == 2 and all(Path(p).is_relative_to(stubbed_site) for p in report["loaded"])
    assert sorted(report["decoded"]) == sorted(f".{ext}" for ext in RECORDINGS)
    for ext, (codec, count, peak) in report["decoded"].items():
        assert abs(count - RATE) < RATE // 4, f"{ext} ({codec}): {count} samples for one second"
        assert peak > 0.1, f"{ext} ({codec}) decoded to silence"
    # FFmpeg's own answers: x264's stand-in rejects the preset (EINVAL), x265's offers no API at any depth.
    assert report["encoders"]["libx264"].startswith("ArgumentError"), report["encoders"]
    assert report["encoders"]["libx265"].startswith("ExternalError"), report["encoders"]


def test_a_stub_missing_a_symbol_stops_the_build(tmp_path: Path) -> None:
    """The x265 stand-in put where libx264 is needed lacks x264's entry points: the build says which."""
    _, libs = _site_av()
    real = next(libs.glob("libx264*"), None)
    if real is None:
        pytest.skip(f"this PyAV has no bundled libx264 in {libs}")
    x265 = next(libs.glob("libx265*"))
    wrong = build_stub(x265.name, tmp_path)
    with pytest.raises(StubError, match="x264_encoder_open_"):
        _check_covers(real, wrong, sorted(libs.glob("libavcodec*")))
