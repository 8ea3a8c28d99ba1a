"""The QApplication: identity, icon, theme, the crash handler, and the start of the window.

Start-up imports only Qt and the light core modules; the model (torch, transformers,
ctranslate2) lives in the worker process, so the window is up in well under two seconds.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop import __version__
from desktop.core import paths
from desktop.gui.common import messages
from desktop.gui.common.theme import apply_theme
from desktop.gui.intake.handoff_receiver import HandoffReceiver
from desktop.integration import handoff

if TYPE_CHECKING:
    from desktop.gui.intake.single_instance import InstanceServer

log = logging.getLogger(__name__)

ICON_SIZES = (16, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        png = paths.resource("icons", f"precis-{size}.png")
        if png.is_file():
            icon.addFile(str(png))
    return icon


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The one QApplication (reused when one exists, as under pytest-qt)."""
    QCoreApplication.setApplicationName(paths.APP_NAME)
    QCoreApplication.setOrganizationName(paths.APP_NAME)
    QCoreApplication.setOrganizationDomain("precis.github.io")
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv[:1]))
    QGuiApplication.setApplicationDisplayName(paths.APP_NAME)
    QGuiApplication.setDesktopFileName(paths.APP_ID)
    app.setWindowIcon(app_icon())
    return app


def _crash_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb))


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """An unexpected error: log it with its traceback, tell the user in a dialog, keep running."""
    if issubclass(exc_type, KeyboardInterrupt):
        QCoreApplication.quit()
        return
    details = _crash_details(exc_type, exc, tb)
    log.critical("unexpected error\n%s", details)
    log_file = paths.log_dir() / "precis.log"
    messages.error(
        f"Precis hit an unexpected problem ({exc_type.__name__}: {exc}). Your work is safe and the app keeps "
        f"running. The details were written to {log_file}.",
        details,
    )


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    excepthook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


def install_excepthook() -> None:
    sys.excepthook = excepthook
    threading.excepthook = _thread_excepthook


def run(files: Sequence[str] = (), *, quit_after_start: bool = False, started: float | None = None,
        action: str = "open", listen: bool = False) -> int:
    """Create the app and the window, queue ``files`` as ``action`` asks, listen for later launches
    (``listen``), and run the event loop."""
    from desktop.core.settings import load_settings

    app = create_application(sys.argv[:1])
    settings = load_settings()
    apply_theme(app, settings.theme)
    install_excepthook()

    from desktop.gui.jobs.job_queue import JobQueue
    from desktop.gui.process.worker_bridge import WorkerBridge
    from desktop.gui.window.main_window import MainWindow

    bridge = WorkerBridge()
    queue = JobQueue(bridge, settings=settings)
    window = MainWindow(queue, settings)
    window.show()
    receiver = HandoffReceiver(window)
    server = _start_server(receiver) if listen else None
    if action == "open":
        window.start(list(files))  # taken in like a drop: file:// URIs too (a launcher's %U)
    else:
        message = handoff.make(files, action)
        window.start(then=lambda: receiver.accept(message, raise_window=False))
    if quit_after_start:
        _report_start_and_quit(window, started)
    try:
        return app.exec()
    finally:
        if server is not None:
            server.close()
        window.close()
        bridge.shutdown()


def _start_server(receiver: HandoffReceiver) -> InstanceServer | None:
    """Listen for later ``precis`` launches; their files go to ``receiver``, queued like a drop."""
    from desktop.gui.intake.single_instance import InstanceServer
    from desktop.integration.instance_socket import UnsafeSocketFolder, release_start_lock, server_name

    try:
        name = server_name()
        server = InstanceServer(name, receiver)
        if not server.listen():
            return None
    except UnsafeSocketFolder as exc:
        log.warning("%s Later launches will open their own window.", exc.message)
        return None
    finally:
        release_start_lock()
    server.received.connect(receiver.accept)
    return server


def _report_start_and_quit(window: object, started: float | None) -> None:
    """``--quit-after-start``: print how long the window took to show (for the start-up test)."""
    import json
    import time

    def report() -> None:
        heavy = sorted(m for m in ("torch", "transformers", "ctranslate2", "onnxruntime") if m in sys.modules)
        elapsed = time.perf_counter() - started if started is not None else None
        print(json.dumps({"shown_s": elapsed, "visible": bool(window.isVisible()), "heavy_modules": heavy,  # type: ignore[attr-defined]
                          "waited_for_cpu_s": runqueue_wait_s()}), flush=True)
        QCoreApplication.quit()

    QTimer.singleShot(0, report)


def runqueue_wait_s() -> float | None:
    """Seconds the calling thread has spent ready to run while other processes held the CPUs
    (Linux schedstat; None elsewhere): on a busy machine, time that no code of ours causes. The
    start-up report and the GUI responsiveness tests subtract it."""
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
