"""PyAV as the lean bundle ships it: the GPL video encoders swapped for stand-ins
(bundling/gpl_free.py), the video codec libraries Precis never calls likewise
(bundling/unused_codecs.py) and debug information stripped (bundling/strip_debug.py), each done by
the very function build.spec calls. The real PyAV still imports, Precis decodes the sound of every
kind of recording, and the replaced encoders and decoders only fail to open."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bundling.gpl_free import STUB_MARKER, build_stub, carries_gpl_encoder, stub_gpl_encoders
from bundling.strip_debug import has_debug_sections, strip_debug_info
from bundling.stubs import StubError, check_covers
from bundling.unused_codecs import LIBRARIES, stub_unused_codecs
from bundling.unused_codecs import STUB_MARKER as CODEC_STUB_MARKER
from tests.core.ingest._recordings import RATE, write

REPO = Path(__file__).resolve().parents[1]
#: Sound in the containers Precis reads, H.264 and VP8 pictures beside it in three of them.
RECORDINGS = ["wav", "mp3", "m4a", "aac", "ogg", "opus", "flac", "webm", "mp4", "mkv", "mov"]

pytestmark = pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None or shutil.which("nm") is None,
                                reason="no C compiler (cc) or no nm here to build the stand-ins (apt-get install gcc)")

#: Codecs whose libraries are stand-ins in the lean bundle, and whether each is opened to encode (w) or decode (r).
STUBBED = [("libx264", "w"), ("libx265", "w"), ("libvpx", "w"), ("libvpx-vp9", "w"), ("libsvtav1", "w"),
           ("libwebp", "w"), ("libwebp_anim", "w"), ("libmp3lame", "w"), ("libdav1d", "r"), ("libvpx-vp9", "r")]

#: Run in a child with the lean copy of PyAV first on the path: the sound of each recording through
#: Precis's own decoder, what opening the replaced codecs does, and which x264/x265 files got loaded.
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
for name, mode in json.loads(sys.stdin.read()):
    context = av.CodecContext.create(name, mode)
    if context.type == "audio":
        context.sample_rate, context.layout, context.format = 16000, "mono", "s16p"
    elif mode == "w":
        context.width, context.height, context.pix_fmt = 64, 64, "yuv420p"
        context.time_base = Fraction(1, 25)
    try:
        context.open()
        report["encoders"][f"{name}/{mode}"] = "opened"
    except av.error.FFmpegError as exc:
        report["encoders"][f"{name}/{mode}"] = f"{type(exc).__name__}: {exc}"
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
    """A copy of the installed PyAV as the lean bundle has it, made by the very functions build.spec
    calls on the bundle's binaries."""
    package, libs = _site_av()
    if not libs.is_dir() or not any(libs.glob("libx264*")):
        pytest.skip(f"this PyAV has no bundled libx264 in {libs} to replace")
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(package, site / "av", ignore=shutil.ignore_patterns("__pycache__"))
    binaries = [(str(p.relative_to(package.parent)), str(p), "EXTENSION") for p in sorted(package.rglob("*.so"))]
    binaries += [(f"av.libs/{p.name}", str(p), "BINARY") for p in sorted(libs.iterdir())]
    binaries = stub_unused_codecs(stub_gpl_encoders(binaries, site / "stubs"), site / "stubs")
    binaries, _saved = strip_debug_info(binaries, site / "stripped")
    for dest, src, _ in binaries:
        (site / dest).parent.mkdir(parents=True, exist_ok=True)
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
                         input=json.dumps(STUBBED), timeout=120, check=False)
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
    assert report["encoders"]["libx264/w"].startswith("ArgumentError"), report["encoders"]
    assert report["encoders"]["libx265/w"].startswith("ExternalError"), report["encoders"]
    # Every other replaced codec refuses too, with an error of FFmpeg's, and nothing crashed.
    assert all(answer != "opened" for answer in report["encoders"].values()), report["encoders"]


def test_the_lean_copy_replaces_the_video_codecs_and_sheds_debug_information(stubbed_site: Path) -> None:
    package, libs = _site_av()
    shipped = {p.name.split("-")[0].split(".")[0]: p for p in (stubbed_site / "av.libs").iterdir()}
    assert all(CODEC_STUB_MARKER in shipped[name].read_bytes() for name in LIBRARIES)
    assert all(CODEC_STUB_MARKER not in p.read_bytes() for name, p in shipped.items() if name not in LIBRARIES)
    assert sum(p.stat().st_size for p in libs.iterdir()) - sum(p.stat().st_size for p in shipped.values()) > 30e6
    modules = sorted((stubbed_site / "av").rglob("*.so"))
    assert modules and not [p for p in modules if has_debug_sections(p)]
    assert any(has_debug_sections(p) for p in package.rglob("*.so"))  # the wheel's own copies have them
    # The same codecs open with the real libraries: what the child saw is the stand-ins' doing.
    import av

    context = av.CodecContext.create("libvpx-vp9", "r")
    context.open()


def test_a_stub_missing_a_symbol_stops_the_build(tmp_path: Path) -> None:
    """The x265 stand-in put where libx264 is needed lacks x264's entry points: the build says which."""
    _, libs = _site_av()
    real = next(libs.glob("libx264*"), None)
    if real is None:
        pytest.skip(f"this PyAV has no bundled libx264 in {libs}")
    x265 = next(libs.glob("libx265*"))
    wrong = build_stub(x265.name, tmp_path)
    with pytest.raises(StubError, match="x264_encoder_open_"):
        check_covers(real, wrong, sorted(libs.glob("libavcodec*")), Path("x26x_stub.c"))


def test_a_strip_that_would_change_what_loads_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bundling/strip_debug.py keeps a library whose stripped copy maps different bytes: here a
    stand-in for ``strip`` that also changes one byte of the dynamic symbol table."""
    package, _ = _site_av()
    module = next(p for p in sorted(package.rglob("*.so")) if has_debug_sections(p))
    binaries = [(str(module.relative_to(package.parent)), str(module), "EXTENSION")]
    honest, saved = strip_debug_info(binaries, tmp_path / "honest")
    assert honest[0][1] != str(module) and saved > 0 and not has_debug_sections(Path(honest[0][1]))
    fake = tmp_path / "bin" / "strip"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport subprocess, sys\n"
                    f"subprocess.run([{shutil.which('strip')!r}, *sys.argv[1:]], check=True)\n"
                    "out = sys.argv[sys.argv.index('-o') + 1]\n"
                    "table = subprocess.run(['readelf', '-SW', out], capture_output=True, text=True).stdout\n"
                    "at = int(next(ln for ln in table.splitlines() if ' .dynsym ' in ln).split('.dynsym')[1].split()[2], 16)\n"
                    "data = bytearray(open(out, 'rb').read())\ndata[at + 30] ^= 0xFF\nopen(out, 'wb').write(bytes(data))\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    kept, saved = strip_debug_info(binaries, tmp_path / "tampered")
    assert kept == binaries and saved == 0
    tampered = tmp_path / "tampered" / binaries[0][0]
    assert not has_debug_sections(tampered)  # the stand-in did strip, and its copy was refused
