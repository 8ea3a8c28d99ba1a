"""The messages between the window and its child processes (the summarizing worker, model tasks,
fine-tuning runs): typed dataclasses, and one encoding on the pipe.

Every message crosses as one JSON object whose ``type`` names its class (``encode`` / ``decode``,
``send`` / ``receive`` on a pipe or a queue); nothing is pickled on the pipe. A failure carries
the typed error's name and is matched as a type: ``failed.is_a(PasswordRequired)``.

    window -> worker    RunJob(job_id, spec), Shutdown()
    child -> window     Ready(pid), Started(task_id), EventMessage(task_id, event),
                        JobFinished | TaskFinished | FinetuneFinished (task_id, result),
                        Failed(task_id, error, message), WasCancelled(task_id)
    window only         Exited(exitcode): appended after a child's last message, never sent

No Qt here: ``desktop.gui.process`` turns these into signals.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.core.digest import Digest
from desktop.core.document import Document
from desktop.core.errors import PrecisError
from desktop.core.events import Event, Loss, Notice, Partial, Preview, Progress
from desktop.core.limits import Limits
from desktop.core.mailstores.options import MailOptions

if TYPE_CHECKING:
    from desktop.ml.engine.job import JobSpec
    from desktop.ml.finetune.result import FinetuneResult


# ----- the error kinds a child reports that are not a reader's or the engine's own ----------------
class InternalError(PrecisError):
    """Something failed that is not one of Precis's typed errors; the traceback is in the log."""


class OutOfMemory(PrecisError):
    """The child ran out of memory."""


class WorkerDied(PrecisError):
    """The summarizing worker process died (killed, crashed) while it ran a job."""


class TaskDied(PrecisError):
    """A task's child process could not start, died, or sent a result that could not be read."""


def _subclasses(cls: type[PrecisError]) -> list[type[PrecisError]]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def error_kind(name: str) -> type[PrecisError]:
    """The typed error class called ``name`` (``"PasswordRequired"``); ``PrecisError`` when no
    error of Precis has that name."""
    return next((c for c in _subclasses(PrecisError) if c.__name__ == name), PrecisError)


class ErrorKind:
    """What a message naming a typed error offers: the error's class, and matching it as a type."""

    __slots__ = ()
    error: str

    @property
    def kind(self) -> type[PrecisError]:
        return error_kind(self.error)

    def is_a(self, kind: type[PrecisError]) -> bool:
        return issubclass(self.kind, kind)


# ----- the message classes --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Message:
    """Base of every message; plain fields cross as they are."""

    def to_wire(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Message:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class RunJob(Message):
    """Run this job (the window has settled its spec)."""

    job_id: str
    spec: JobSpec

    def to_wire(self) -> dict[str, Any]:
        spec = dataclasses.asdict(self.spec)
        spec["mail"] = self.spec.mail.to_plain()
        return {"job_id": self.job_id, "spec": spec}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> RunJob:
        from desktop.ml.engine.job import JobSpec

        spec = dict(data["spec"])
        known = {f.name for f in dataclasses.fields(JobSpec)}
        spec["limits"] = Limits(**spec.get("limits", {}))
        spec["mail"] = MailOptions.from_plain(spec.get("mail") or {})
        return cls(data["job_id"], JobSpec(**{k: v for k, v in spec.items() if k in known}))


@dataclass(frozen=True, slots=True)
class Shutdown(Message):
    """Finish and exit."""


@dataclass(frozen=True, slots=True)
class Ready(Message):
    """The worker's loop is up (its process id)."""

    pid: int


@dataclass(frozen=True, slots=True)
class Started(Message):
    """The child took the task (a worker has cleared its cancel flag)."""

    task_id: str


@dataclass(frozen=True, slots=True)
class EventMessage(Message):
    """An engine event of the task: Progress, Partial, Preview, Notice or Loss."""

    task_id: str
    event: Event

    def to_wire(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "event": event_to_wire(self.event)}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> EventMessage:
        return cls(data["task_id"], event_from_wire(data["event"]))


@dataclass(frozen=True, slots=True)
class FileFailure(ErrorKind):
    """One file of a job that could not be read: its path, the typed error's name, the sentence."""

    path: str
    error: str
    message: str


@dataclass(frozen=True, slots=True)
class JobFinished(Message):
    """A finished summarizing job: the digest, the documents read (none past ``KEEP_FILES``) and
    the files left out."""

    task_id: str
    digest: Digest
    documents: list[Document] = field(default_factory=list)
    errors: list[FileFailure] = field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "digest": self.digest.to_dict(),
                "documents": [d.to_dict() for d in self.documents],
                "errors": [dataclasses.asdict(e) for e in self.errors]}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> JobFinished:
        return cls(data["task_id"], Digest.from_dict(data["digest"]), [Document.from_dict(d) for d in data["documents"]],
                   [FileFailure(**e) for e in data["errors"]])


@dataclass(frozen=True, slots=True)
class TaskFinished(Message):
    """A finished model task (download, import, quantize) and what it made: {"name", "path", ...}."""

    task_id: str
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FinetuneFinished(Message):
    """A finished fine-tuning run, waiting for Keep or Discard."""

    task_id: str
    result: FinetuneResult

    def to_wire(self) -> dict[str, Any]:
        return {"task_id": self.task_id, "result": self.result.to_dict()}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> FinetuneFinished:
        from desktop.ml.finetune.result import FinetuneResult

        return cls(data["task_id"], FinetuneResult.from_dict(data["result"]))


@dataclass(frozen=True, slots=True)
class Failed(Message, ErrorKind):
    """The task failed: ``error`` is the typed error's name, ``message`` the sentence for the user."""

    task_id: str
    error: str
    message: str

    @classmethod
    def of(cls, task_id: str, exc: PrecisError) -> Failed:
        return cls(task_id, exc.name, exc.message)


@dataclass(frozen=True, slots=True)
class WasCancelled(Message):
    """The task stopped because the user cancelled it."""

    task_id: str


@dataclass(frozen=True, slots=True)
class Exited(Message):
    """The child process is gone (after its last message); its exit code, None if unknown."""

    exitcode: int | None


#: Every message, by the name it crosses under.
TYPES: dict[str, type[Message]] = {c.__name__: c for c in (
    RunJob, Shutdown, Ready, Started, EventMessage, JobFinished, TaskFinished, FinetuneFinished, Failed, WasCancelled,
    Exited)}
#: The messages that end a task.
FINAL = (JobFinished, TaskFinished, FinetuneFinished, Failed, WasCancelled)


# ----- events on the wire ---------------------------------------------------------------------
_EVENTS: dict[str, type] = {c.__name__: c for c in (Progress, Partial, Preview, Notice, Loss)}


def event_to_wire(event: Event) -> dict[str, Any]:
    if isinstance(event, Preview):
        return {"kind": "Preview", "digest": event.digest.to_dict(), "replaced": list(event.replaced)}
    return {"kind": type(event).__name__, **dataclasses.asdict(event)}


def event_from_wire(data: dict[str, Any]) -> Event:
    data = dict(data)
    kind = _EVENTS[data.pop("kind")]
    if kind is Preview:
        return Preview(Digest.from_dict(data["digest"]), tuple(data.get("replaced", ())))
    if kind is Partial:
        data["locators"] = tuple(data.get("locators", ()))
    return kind(**data)  # type: ignore[no-any-return]


# ----- one encoding -------------------------------------------------------------------------------
def encode(message: Message) -> bytes:
    """One JSON object, ``type`` naming the class."""
    return json.dumps({"type": type(message).__name__, **message.to_wire()}, ensure_ascii=False,
                      separators=(",", ":"), default=str).encode("utf-8")


def decode(data: bytes) -> Message:
    """The message ``encode`` made; ValueError for anything else (unknown type, bad fields)."""
    try:
        obj = json.loads(data)
        cls = TYPES[obj.pop("type")]
        return cls.from_wire(obj)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a Precis message: {type(exc).__name__}: {exc}") from exc


def send(channel: Any, message: Message) -> None:
    """Send on a ``multiprocessing`` connection (its bytes as they are) or put on a queue."""
    send_bytes(channel, encode(message))


def send_bytes(channel: Any, data: bytes) -> None:
    """Send a message already encoded."""
    if hasattr(channel, "send_bytes"):
        channel.send_bytes(data)
    else:
        channel.put(data)


def receive(channel: Any, timeout: float | None = None) -> Message:
    """The next message from a connection or a queue (``timeout`` for a queue only)."""
    if hasattr(channel, "recv_bytes"):
        return decode(channel.recv_bytes())
    return decode(channel.get() if timeout is None else channel.get(timeout=timeout))
