"""Names of people and organisations in a sentence, found without a model.

A name is a run of capitalised words (``Tom Becker``, ``Acme Corp``), an acronym (``EML``), or a
dialogue placeholder (``#Person1#``). A capitalised first word of a sentence is a name only when
it is not a common sentence opener ("The", "Finally"): a word list, since a sentence's first
word is capitalised whatever it is. Titles (Mr, Dr) are not part of the name, and neither is a
possessive ("Tom's" is Tom). Matching is by word, so ``Tom`` matches ``Tom Becker`` and
``Mr Becker`` matches it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from desktop.ml.check.dates import MONTHS, WEEKDAYS
from desktop.ml.check.facts import Fact, overlaps, words

_TOKEN = re.compile(r"#\w+#|[^\W\d_][\w'’.-]*[\w]|[^\W\d_]")
_PLACEHOLDER = re.compile(r"^#\w+#$")
TITLES = frozenset(words("mr mrs ms miss mx dr prof sir madam dame lord lady rev hon sen rep gov pres"))
#: Capitalised words that are not names wherever they stand.
_NEVER = frozenset(words(
    "i i'm i'll i've i'd ok okay yes no hi hello hey dear thanks thank please oh yeah um uh mm hmm wow "
    "god am pm a.m p.m")) | frozenset(MONTHS) | frozenset(WEEKDAYS)
#: Words a sentence often opens with; capitalised there, they are not names.
COMMON = frozenset(words("""
a an the this that these those there here it its they them their he him his she her we us our you your
who whom whose which what when where why how whether if then than so but and or nor for yet also too as
at by in on of to from with without within into onto upon about above after again against all along
already although always among another any anyone anything around because before behind below besides
between beyond both during each either else enough even ever every everyone everything few first
finally firstly secondly thirdly lastly further furthermore however instead later least less many
meanwhile more moreover most much next nobody none nothing now once only other others otherwise over
overall perhaps rather several since some someone something sometimes soon still such therefore though
through thus today tomorrow tonight together under unless until very via well while yesterday
afterwards additionally accordingly altogether anyway apparently basically briefly clearly consequently
eventually generally hence initially ideally indeed likewise mainly nevertheless nonetheless notably
originally particularly possibly presumably previously recently similarly specifically subsequently
surprisingly typically ultimately unfortunately fortunately hopefully interestingly importantly
is are was were be been being have has had do does did will would shall should can could may might must
let lets let's according regarding concerning following given based despite due like unlike per plus
people person everybody members member participants group team meeting discussion discussions summary
one two three four five six seven eight nine ten see look note tell ask make take go get
"""))


def name_facts(text: str, taken: list[tuple[int, int]]) -> Iterator[Fact]:
    """The names in ``text`` outside ``taken`` spans, each as a fact keyed by its lower-cased words."""
    run: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        start, end = m.start(), m.end()
        bare = _bare(word)
        if _is_name(word, bare, _sentence_start(text, start)) and not overlaps(start, end, taken):
            if run and text[run[-1][2]:start].strip() not in ("", "-"):
                yield _fact(text, run)
                run = []
            offset = 1 if word.startswith("#") else 0
            run.append((bare, start + offset, start + offset + len(bare)))
            continue
        if run:
            yield _fact(text, run)
            run = []
    if run:
        yield _fact(text, run)


def _fact(text: str, run: list[tuple[str, int, int]]) -> Fact:
    start, end = run[0][1], run[-1][2]
    # A name that opens a sentence may be an ordinary word after all ("Users", "Standard"):
    # marked loose, it also matches by stem.
    loose = _sentence_start(text, start)
    return Fact("name", ("name", *(w.lower() for w, _, _ in run)), text[start:end].strip("#"), start, end, loose)


def _bare(word: str) -> str:
    """The word without a possessive, a final full stop or placeholder marks ("Tom's" -> "Tom",
    "Corp." -> "Corp", "#Person1#" -> "Person1": transcripts name that speaker Person1)."""
    word = re.sub(r"['’]s?$", "", word.strip("#"))
    return word.rstrip(".")


def _is_name(word: str, bare: str, initial: bool) -> bool:
    if _PLACEHOLDER.match(word):
        return True
    if not bare or not bare[0].isupper():
        return False
    low = bare.lower()
    if low in _NEVER or low in TITLES:
        return False
    if bare.isupper() and len(bare) == 1:
        return False  # "A" starting a sentence; single initials carry no checkable name
    return not (initial and (low in COMMON or low.endswith("ly")))


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence, a quotation or a list item."""
    before = text[:start].rstrip(" \t\"“‘'(*-•")
    return not before or before[-1] in ".!?:;\n"


#: Letters spelled out with underscores or dots: "L_C_D_" (meeting transcripts), "U.S.".
_SPELLED = re.compile(r"\b((?:[A-Za-z][._]){2,})")


def name_words(text: str) -> set[str]:
    """The lower-cased words of ``text`` a name is looked up among (possessives dropped, spelled
    letters joined: a transcript's "L_C_D_" is the LCD a summary writes)."""
    text = _SPELLED.sub(lambda m: re.sub(r"[._]", "", m.group(1)) + " ", text)
    words = {_bare(m.group(0)).lower() for m in _TOKEN.finditer(text)}
    return words | {part for w in words if "-" in w for part in w.split("-") if part}


def missing_words(key: tuple, words: set[str]) -> list[str]:
    """The words of a name key (titles aside) that ``words`` lacks: Tom matches Tom Becker's words,
    and a hyphenated name its parts ("Bayes-net" in a text that says "Bayes net")."""
    out = []
    for w in key[1:]:
        if w in TITLES or w in words:
            continue
        if "-" in w and all(part in words for part in w.split("-") if part):
            continue
        out.append(w)
    return out
