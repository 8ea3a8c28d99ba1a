"""The source view's player strip: a time citation of a recording plays here, from a second before
the cited moment (``core/ingest/audio/playback.py`` says which file and when), with play/pause, a
position slider and the time. Qt Multimedia plays it (its FFmpeg backend decodes on its own
threads, never the GUI thread); where that module is not installed, a system player that can start
at a time plays it (``player_command``), else the system's default player opens the file."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from PySide6.QtCore import QLoggingCategory, QProcess, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from desktop.core.ingest.audio.decode import clock
from desktop.core.ingest.audio.playback import PlaybackTarget, player_command

log = logging.getLogger(__name__)

#: Where a citation played: in the strip, in a system player at the time, or opened at its start.
IN_APP, SYSTEM_PLAYER, DEFAULT_PLAYER = "app", "system", "default"


#: Qt Multimedia's own notes on optional libraries it looks for and does without (PipeWire, VA-API
#: video decoding): not the user's concern, so not in the log.
QUIET_RULES = "qt.multimedia.symbolsresolver.warning=false"


def multimedia_available() -> bool:
    """Whether Qt Multimedia (the PySide6-Addons wheel) is installed here; looked up, not loaded."""
    try:
        return importlib.util.find_spec("PySide6.QtMultimedia") is not None
    except (ImportError, ValueError):
        return False


class PlayerStrip(QWidget):
    """Hidden until a citation plays in it; ``play(target)`` says where it played (``IN_APP``...).
    The media player is made on the first citation, so a window that never plays one never loads
    Qt Multimedia."""

    def __init__(self, parent: QWidget | None = None, *, multimedia: bool | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playerStrip")
        self.multimedia = multimedia_available() if multimedia is None else multimedia
        self.player: Any = None
        self.audio: Any = None
        #: what the last citation asked for: the recording and the position in milliseconds
        self.target: PlaybackTarget | None = None
        self.requested_ms = -1
        self._pending_ms: int | None = None

        style = self.style()
        self.play_button = QToolButton()
        self.play_button.setObjectName("playerPlay")
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play or pause the recording")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("playerPosition")
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self._on_slider)
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setObjectName("playerTime")
        self.name_label = QLabel()
        self.name_label.setObjectName("playerName")
        self.name_label.setMaximumWidth(220)
        close = QToolButton()
        close.setObjectName("playerClose")
        close.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        close.setToolTip("Stop and hide the player")
        close.setAutoRaise(True)
        close.clicked.connect(self.stop)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.play_button)
        row.addWidget(self.name_label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        row.addWidget(close)
        self.hide()

    # ------------------------------------------------------------------ citations
    def play(self, target: PlaybackTarget) -> str:
        """Play ``target.path`` from ``target.start``: here when Qt Multimedia is there, else outside."""
        self.target = target
        self.requested_ms = round(target.start * 1000)
        if self.multimedia:
            try:
                self._ensure_player()
            except ImportError as exc:  # installed, but a library it links is not (PulseAudio's on Linux)
                log.warning("Qt Multimedia cannot be loaded (%s); recordings play in a system player", exc)
                self.multimedia = False
        if not self.multimedia:
            return self._play_outside(target)
        cited = clock(target.cited_start) + (f"–{clock(target.end)}" if target.end is not None else "")
        self.name_label.setText(target.path.name)
        self.name_label.setToolTip(f"{target.path}\nThe citation: {cited}")
        url = QUrl.fromLocalFile(str(target.path))
        status = self.player.MediaStatus
        ready = (status.LoadedMedia, status.BufferingMedia, status.BufferedMedia, status.EndOfMedia)
        self._pending_ms = self.requested_ms
        if self.player.source() == url and self.player.mediaStatus() in ready:
            self._apply_pending()
        else:
            self.player.stop()
            self.player.setSource(url)  # the position is set once the file is loaded (_on_status)
        self.show()
        return IN_APP

    def stop(self) -> None:
        """Stop playing and hide the strip."""
        if self.player is not None:
            self.player.stop()
        self._pending_ms = None
        self.hide()

    def toggle(self) -> None:
        if self.player is None:
            return
        if self.is_playing():
            self.player.pause()
        else:
            self.player.play()

    def is_playing(self) -> bool:
        return self.player is not None and self.player.playbackState() == self.player.PlaybackState.PlayingState

    def source_path(self) -> str:
        """The local file the player holds ("" before the first citation)."""
        return self.player.source().toLocalFile() if self.player is not None else ""

    def position_ms(self) -> int:
        return int(self.player.position()) if self.player is not None else -1

    # ------------------------------------------------------------------ the player
    def _ensure_player(self) -> None:
        if self.player is not None:
            return
        QLoggingCategory.setFilterRules(QUIET_RULES)
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)

    def _apply_pending(self) -> None:
        if self._pending_ms is None:
            return
        ms, self._pending_ms = self._pending_ms, None
        self.player.setPosition(ms)
        self.player.play()

    def _on_status(self, status: Any) -> None:
        # Qt's FFmpeg player ignores a position asked before the file is loaded: set it now.
        if status in (self.player.MediaStatus.LoadedMedia, self.player.MediaStatus.BufferedMedia):
            self._apply_pending()

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(int(ms))
        self._show_time(ms)

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, int(ms)))
        self._show_time(self.player.position())

    def _on_state(self, _state: Any) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if self.is_playing() else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _on_slider(self, ms: int) -> None:
        if self.player is not None:
            self.player.setPosition(ms)

    def _on_error(self, _error: Any, text: str) -> None:
        name = self.target.path.name if self.target is not None else "The recording"
        self.time_label.setText("cannot play")
        self.time_label.setToolTip(f"{name} could not be played here: {text}")
        log.info("player: %s: %s", name, text)

    def _show_time(self, ms: int) -> None:
        total = self.player.duration() if self.player is not None else 0
        self.time_label.setText(f"{clock(ms / 1000)} / {clock(total / 1000)}")
        self.time_label.setToolTip("")

    # ------------------------------------------------------------------ without Qt Multimedia
    def _play_outside(self, target: PlaybackTarget) -> str:
        command = player_command(target)
        if command is not None and QProcess.startDetached(command[0], command[1:])[0]:
            return SYSTEM_PLAYER
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.path)))
        return DEFAULT_PLAYER
