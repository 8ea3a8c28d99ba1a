"""Who takes an item on, who asked for it, and by when: read from the sentence and its place.

An item's owner is the speaker or sender who takes it on ("I'll send the minutes"), the person
it is addressed to ("Tom, can you own that fix?", a mail's To: for "Please tell me by Friday"),
or nobody that can be named (None): a request to "everyone", quoted speech, a statement. The due
date is the sentence's date phrase resolved against the document's own date (``core/dates.py``).
The rules are listed in benchmarks/README.md with the labelled set they were measured on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from desktop.core.dates import day_of, find_phrase, parse_iso, resolve
from desktop.core.digest import Point, Source
from desktop.core.document import DocKind, Document, Role
from desktop.core.ingest.cues import speaker_base
from desktop.core.rollup.people import split_people
from desktop.ml.points.items import parse_action

_TITLE = r"(?:(?i:mr|mrs|ms|miss|dr|prof|madam|mister)\.?\s*)"
_NAME = r"(?i:madam)\s+\w+|" + _TITLE + r"?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?"
#: Words that start a sentence capitalised but are not a name being addressed.
_NOT_NAMES = {"okay", "ok", "yes", "no", "so", "well", "now", "also", "however", "thank", "thanks", "excuse", "sorry",
              "oh", "and", "but", "then", "hi", "hello", "please", "sure", "right", "alright", "good", "great", "fine",
              "we", "they", "it", "this", "that", "there", "everyone", "everybody", "all", "guys", "folks", "team",
              "i", "you", "he", "she", "members", "colleagues", "friends", "yeah", "um", "uh", "mm", "certainly"}
_LEAD = r"^(?:\W*(?:ok(?:ay)?|so|yes|and|well|now|right|hi|hello|thanks|thank you)\b[\s,.!]*)*"
_VOCATIVE = re.compile(r"(?:" + _LEAD + r"|,\s*)(?:we have\s+)?(?P<name>" + _NAME + r")\s*,\s*(?:good (?:morning|afternoon|evening)\s*,\s*)?"
                       r"(?:(?:can|could|would|will) you|please|i need you|you|go|take|send|write|come|check|tell|let|do|make)\b")
_VOCATIVE_END = re.compile(r",\s*(?P<name>" + _NAME + r")\s*[?.!]*\s*$")
_SUBJECT = re.compile(r"^(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+(?:will|'ll|is going to|is to|to|should|must|needs to|has to)\s+\w")
#: A team or department doing something: "IT disconnects...", "the finance team keeps...".
_TEAM = re.compile(r"^(?:the\s+)?(?P<name>[A-Z]{2,5}|[A-Z]?[a-z]+ (?:team|department))\s+(?:will\s+)?[a-z]+s?\b")
_SELF = re.compile(r"\b(?:i'?ll|i will|i shall|i'?m going to|i am going to|i can have|i'?d be happy to|let me|"
                   r"i'?ll have|i would (?!have|say|think|like|rather|suggest|love|hope|imagine|guess))\b|^\W*will do\b", re.IGNORECASE)
_NOT_SELF = re.compile(r"\b(?:i'?ll|i will)\s+(?:not|never|see you|take (?:that|it) as|just have to hope)\b|\bi will never\b",
                       re.IGNORECASE)
_REQUEST = re.compile(
    r"(?:^|[,.;:!?]\s*|\b(?:and|so|but|okay|yes|no|me|then)\s+)(?:can|could|would|will) you\b|\bplease\b|\bi need you\b"
    r"|\byou(?:'ve| have)? (?:got to|need to|must|should|have to)\b|\bmake sure you\b|\b(?:send|tell|show|give) me\b"
    r"|\blet me know\b|\bi (?:\w+ ){0,2}need (?:a|an|the|your)\b|^\W*(?:what|how) about\b|\bi('d| would) appreciate\b", re.IGNORECASE)
#: "Every team packs...", "each of you...": the readers of a mail, all of them.
_EVERY = re.compile(r"^\W*(?:every|each|all)\s+(?:team|one|of you|lead|team lead|department|member|person)", re.IGNORECASE)
_QUOTED = re.compile(r"^\W*[“\"«]|[“\"].{0,200}[”\"]\s*,?\s*(?:said|says|asked|replied|added)\b|\b(?:said|says|asked)\b.{0,40}[“\"]")
_IMPERATIVE = re.compile(r"^(?:\W*(?:ok(?:ay)?|so|yes|well|now|oh)\b[\s,.!]*)*(?:take care|send|write|prepare|share|call|check|"
                         r"remember|bring|finish|review|book|submit|update|email|e-mail|forward|confirm|follow)\b", re.IGNORECASE)
_YOU = re.compile(r"\byou\b", re.IGNORECASE)
_ADDRESS = re.compile(r"^(To|Cc|From):\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Attribution:
    owner: str | None = None
    #: Who asked for it (owed to): the speaker or sender of a request addressed to someone else.
    requester: str | None = None
    #: The date phrase as written ("Wednesday the 18th") and the day it resolves to (ISO), if any.
    due: str | None = None
    due_date: str | None = None


@dataclass(slots=True)
class ItemContext:
    """What the rules need to know about one document, worked out once."""

    doc: Document
    participants: list[str] = field(default_factory=list)
    #: The meeting's (or a document's) own date, ISO; a mail's items use their message's date.
    date: str | None = None
    _mail: dict[int, tuple[str | None, list[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Document) -> ItemContext:
        speakers = list(doc.metadata.get("participants") or [])
        if not speakers:
            seen: dict[str, None] = {}
            for b in doc.blocks:
                if b.locator.speaker:
                    seen.setdefault(b.locator.speaker)
            speakers = list(seen)
        return cls(doc, speakers, day_of(doc))

    @property
    def is_mail(self) -> bool:
        return self.doc.kind in (DocKind.EMAIL, DocKind.MAILBOX)

    def mail_parties(self, message: int | None) -> tuple[str | None, list[str]]:
        """(sender, recipients) of a message, from its header block ("From: ... To: ..."); a
        mailing-list message without To: is taken as addressed to the previous message's sender."""
        key = message or 1
        if key not in self._mail:
            sender: str | None = None
            to: list[str] = []
            for b in self.doc.blocks:
                if (b.locator.message or 1) != key:
                    continue
                if sender is None and b.locator.sender:
                    sender = b.locator.sender
                if b.role is Role.HEADER:
                    for m in _ADDRESS.finditer(b.text):
                        if m.group(1) == "From":
                            sender = m.group(2).strip()
                        elif m.group(1) == "To":
                            to += split_people(m.group(2))
            if not to and key == 1 and self.doc.metadata.get("to"):
                to = list(self.doc.metadata["to"])
            if not to and key > 1:
                previous = self.mail_parties(key - 1)[0]
                if previous and sender and _base(previous) != _base(sender):
                    to = [previous]
            self._mail[key] = (sender, to)
        return self._mail[key]

    def full_name(self, name: str) -> str:
        """"Tom" -> "Tom Becker" when exactly one participant is called that."""
        bare = re.sub(r"^" + _TITLE, "", name).strip()
        hits = [p for p in self.participants if speaker_base(p).split()[:1] == bare.split()[:1] or speaker_base(p) == bare]
        return hits[0] if len(hits) == 1 else name


def attribute(ctx: ItemContext, section: str, text: str, block: int, due: str | None = None) -> Attribution:
    """Owner, requester and due date of the item ``text`` found in block ``block`` of ``ctx.doc``.
    ``due``: a date phrase already taken from the text (an action's "(Wednesday)")."""
    loc = ctx.doc.blocks[block].locator
    if ctx.is_mail:
        sender, recipients = ctx.mail_parties(loc.message)
        speaker = sender or loc.sender
        addressee = ", ".join(recipients) if recipients else None
        ref = loc.date or ctx.doc.metadata.get("date")
    else:
        speaker = loc.speaker
        addressee = _other(ctx, speaker) if len(ctx.participants) == 2 else None
        if addressee is None and text.rstrip().endswith("?") and _REQUEST.search(text) and _YOU.search(text):
            addressee = _next_speaker(ctx, block, speaker)
        ref = ctx.date
    owner, requester = _owner(ctx, section, text.strip(), speaker, addressee)
    if _QUOTED.search(text):
        return Attribution()  # someone quoted in a story or a forwarded text: not the writer's request
    phrase = due or find_phrase(text)
    day = resolve(phrase, parse_iso(ref)) if phrase else None
    return Attribution(owner, requester, phrase, day.isoformat() if day else None)


def _owner(ctx: ItemContext, section: str, text: str, speaker: str | None, addressee: str | None) -> tuple[str | None, str | None]:
    m = _VOCATIVE.search(text) or (_VOCATIVE_END.search(text) if _REQUEST.search(text) else None)
    if m and m.group("name").split()[0].lower().strip(".") not in _NOT_NAMES:
        return ctx.full_name(m.group("name")), speaker
    if _SELF.search(text) and not _NOT_SELF.search(text):
        return speaker, None
    m = _SUBJECT.match(text)
    if m and m.group("name").split()[0].lower() not in _NOT_NAMES:
        name = m.group("name")
        return (ctx.full_name(name), None) if ctx.is_mail or ctx.full_name(name) != name else (None, None)
    if ctx.is_mail and _EVERY.match(text):
        return addressee, speaker if addressee else None
    m = _TEAM.match(text)
    if m and (m.group("name").isupper() or m.group("name").split()[0].lower() not in _NOT_NAMES) and section in ("deadlines", "actions"):
        return m.group("name"), None
    if _REQUEST.search(text) or _IMPERATIVE.match(text):
        return addressee, speaker if addressee else None
    return None, None


def _other(ctx: ItemContext, speaker: str | None) -> str | None:
    others = [p for p in ctx.participants if p != speaker]
    return others[0] if speaker and len(others) == 1 else None


def _next_speaker(ctx: ItemContext, block: int, speaker: str | None) -> str | None:
    """A question put to "you" in a meeting is taken by whoever answers it: the next turn's speaker."""
    for b in ctx.doc.blocks[block + 1: block + 3]:
        if b.locator.speaker and b.locator.speaker != speaker:
            return b.locator.speaker
    return None


def _base(person: str) -> str:
    return re.sub(r"<[^>]*>", "", person).strip().strip('"').casefold()


def item_point(ctx: ItemContext, section: str, text: str, block: int, sources: list[Source]) -> Point:
    """A found item sentence as a Point with its owner, requester and due date. An action's text
    loses a leading "Tom:" and a trailing "(Wednesday)", which become its owner and due."""
    task, named, due = parse_action(text) if section == "actions" else (text, None, None)
    got = attribute(ctx, section, text, block, due)
    owner = got.owner
    if owner is None and named and (ctx.is_mail or ctx.full_name(named) != named):
        owner = ctx.full_name(named)
    return Point(task, sources, owner=owner, due=got.due, due_date=got.due_date, requester=got.requester)
