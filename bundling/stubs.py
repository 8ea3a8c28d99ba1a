"""Stand-in libraries for the bundle: a library that the bundled FFmpeg links but Precis never calls
is replaced, under its own file name, by a stub compiled here from a C file of ours.

A stub defines only functions that refuse (``stub.h``), so the library that links it still loads
and fails cleanly if the code behind it is ever asked for. Before a stub replaces a library it is
checked to define every symbol the other bundled libraries import from the real one, so an upgrade
that needs more stops the build with the names instead of shipping a bundle that cannot load.
``gpl_free.py`` (x264, x265: GPL) and ``unused_codecs.py`` (video codecs, lean bundle) use it.
"""

from __future__ import annotations

import mmap
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
Binary = tuple[str, str, str]  # PyInstaller's (destination, source, kind)


class StubError(RuntimeError):
    """A stand-in could not be built or does not cover what the bundle imports; the message says why."""


def compile_stub(name: str, out_dir: Path, source: Path, defines: dict[str, str | int], why: str) -> Path:
    """Compile ``source`` with ``defines`` into ``out_dir/name``, with ``name`` as its SONAME;
    ``why`` ends the message when no C compiler is found."""
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        raise StubError(f"building the bundle needs a C compiler (cc, e.g. apt-get install gcc): it compiles {why}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    # -nostdlib: the stubs call nothing, so they need neither libc nor its headers.
    command = [cc, "-shared", "-fPIC", "-O2", "-nostdlib", *(f"-D{k}={v}" for k, v in defines.items()),
               f"-I{HERE}", f"-Wl,-soname,{name}", "-o", str(target), str(source)]
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


def check_covers(real: Path, stub: Path, others: list[Path], source: Path) -> None:
    """The stub defines every symbol that a library naming ``real`` (libavcodec, say) imports from it."""
    needed_by = [p for p in others if p.is_file() and names(p, real.name.encode())]
    imported = set().union(*(dynamic_symbols(p, defined=False) for p in needed_by)) if needed_by else set()
    missing = (dynamic_symbols(real, defined=True) & imported) - dynamic_symbols(stub, defined=True)
    if missing:
        raise StubError(f"the stand-in for {real.name} lacks {', '.join(sorted(missing))}, which "
                        f"{', '.join(p.name for p in needed_by)} import; add them to {source.name}")


def names(path: Path, needle: bytes) -> bool:
    """Whether ``path`` contains ``needle`` (a needed library's name sits in its dynamic string table)."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(needle) != -1


def replace(binaries: list[Binary], stubs: dict[int, Path], source: Path) -> list[Binary]:
    """``binaries`` with entry ``i`` replaced by ``stubs[i]`` for each ``i``, once each stub is
    checked to cover what the libraries that ship beside it (stubs included) import from it."""
    out = [(dest, str(stubs[i]), kind) if i in stubs else (dest, src, kind)
           for i, (dest, src, kind) in enumerate(binaries)]
    for i, stub in stubs.items():
        others = [Path(src) for j, (_, src, _) in enumerate(out) if j != i]
        check_covers(Path(binaries[i][1]), stub, others, source)
    return out
