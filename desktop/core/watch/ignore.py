"""What a watched folder leaves alone: its ``.precisignore`` files (gitignore syntax, each one for
its own folder and those below it, through ``pathspec``) and files that are never finished
documents (hidden files, office lock files, partial downloads, editor back-ups)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.errors import WatchError

if TYPE_CHECKING:  # imported when a folder is watched: `summarize` and `rollup` never load it
    import pathspec

log = logging.getLogger(__name__)

IGNORE_FILE = ".precisignore"
#: Never summarized: work in progress of other programs.
DEFAULT_PATTERNS = (".*", "~$*", "*~", "#*#", "*.tmp", "*.part", "*.partial", "*.crdownload", "*.download",
                    "*.swp", "*.swx", "*.lock", "Thumbs.db", "desktop.ini")


class IgnoreRules:
    """The ignore rules of one watched root, re-read when an ignore file changes."""

    def __init__(self, root: Path) -> None:
        import pathspec

        self.root = root
        self._default = pathspec.GitIgnoreSpec.from_lines(DEFAULT_PATTERNS)
        self._specs: dict[Path, tuple[int, pathspec.GitIgnoreSpec]] = {}

    def load(self, folder: Path, stamp: int) -> None:
        """(Re)read ``folder``'s ignore file when its modification stamp changed. A bad pattern is
        one sentence that names the file and line, and the file's other lines still apply."""
        known = self._specs.get(folder)
        if known is not None and known[0] == stamp:
            return
        try:
            lines = (folder / IGNORE_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            self._specs.pop(folder, None)
            return
        import pathspec

        good: list[str] = []
        for n, line in enumerate(lines, start=1):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
                good.append(line)
            except (ValueError, TypeError) as exc:
                log.warning("%s", WatchError(f"{folder / IGNORE_FILE}, line {n}: “{line}” is not a pattern ({exc}); "
                                             "the other lines still apply.").message)
        self._specs[folder] = (stamp, pathspec.GitIgnoreSpec.from_lines(good))

    def forget(self, folder: Path) -> None:
        self._specs.pop(folder, None)

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        if self._default.match_file(path.name + ("/" if is_dir else "")):
            return True
        for folder, (_, spec) in self._specs.items():
            try:
                rel = path.relative_to(folder).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return False
