"""How easy a letter to a child is to read: the Flesch Reading Ease score, in plain words.

The window shows it live while the IRO writes the sections marked for the letter, so it
must be quick and must never use the network (the ``textstat`` package downloads data
at run time; this module does not use it). Syllables come from ``pyphen``'s bundled
English hyphenation dictionary; where it finds no break in a word of four letters or
more (it never splits off one letter, so "area", "happy" and "agreed" come back whole)
a vowel-group counter takes over.

Flesch Reading Ease = 206.835 - 1.015 x (words / sentences) - 84.6 x (syllables / words).
Higher is easier. The bands follow Flesch's own table, with US school grades given as
ages in England and Wales (grade 5 is about age 10-11).

A sentence ends at ``.``, ``!`` or ``?`` followed by a space, and at every line break
(headings and bullets are read as sentences of their own). "Mr.", "Dr.", "e.g." and the
like do not end one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

BANDS = (
    (90.0, "very easy to read (about age 10-11)"),
    (80.0, "easy to read (about age 11-12)"),
    (70.0, "fairly easy to read (about age 12-13)"),
    (60.0, "plain English (about age 13-15)"),
    (50.0, "fairly hard to read (about age 15-18)"),
    (30.0, "hard to read (adult)"),
    (float("-inf"), "very hard to read (graduate)"),
)
LONG_SENTENCE = 20  # words
LONG_WORD = 4  # syllables
TARGET = 70.0  # a letter to a child should reach at least "fairly easy"
# Social-care words and abbreviations children in care say they do not understand, with
# plainer words to use instead. Flagged while the IRO types a text for the child.
JARGON: dict[str, str] = {
    "placement": "your home, where you live",
    "placement move": "moving home",
    "placement plan": "the plan for your home",
    "contact": "family time, seeing your family",
    "supervised contact": "family time with a worker there",
    "lac": "children in care",
    "cla": "children in care",
    "looked after": "in care",
    "looked after child": "child in care",
    "pep": "your plan for school",
    "personal education plan": "your plan for school",
    "iro": "your reviewing officer, or my name",
    "respite": "a short break",
    "statutory": "leave it out",
    "assessment": "a check, finding out",
    "risk assessment": "checking that you are safe",
    "care plan": "your plan",
    "care and support plan": "your plan",
    "pathway plan": "your plan for growing up and leaving care",
    "permanence": "where you will grow up",
    "permanence plan": "the plan for where you will grow up",
    "long-term fostering": "staying with your carers while you grow up",
    "facilitate": "help, arrange",
    "sdq": "a questionnaire about your feelings",
    "strengths and difficulties questionnaire": "a questionnaire about your feelings",
    "camhs": "people who help children with their feelings",
    "referral": "asking someone to help",
    "refer": "ask someone to help",
    "lac nurse": "your nurse",
    "health assessment": "your health check",
    "initial health assessment": "your first health check",
    "review health assessment": "your health check",
    "immunisations": "injections that stop you getting ill",
    "sen": "extra help at school",
    "ehcp": "your plan for extra help at school",
    "education health and care plan": "your plan for extra help at school",
    "virtual school": "people who help children in care with school",
    "designated teacher": "the teacher who helps you at school",
    "section 20": "your parents agreed you would live here",
    "s20": "your parents agreed you would live here",
    "care order": "a court decided where you live",
    "interim care order": "a court decided for now where you live",
    "legal status": "leave it out, or say what the court decided",
    "court proceedings": "the court",
    "cafcass": "people who help the court listen to children",
    "guardian": "the person who helps the court listen to you",
    "delegated authority": "what your carer can say yes to",
    "safeguarding": "keeping you safe",
    "child protection": "keeping you safe",
    "cse": "keeping you safe from people who hurt children",
    "exploitation": "people using or hurting you",
    "missing episode": "when you went missing",
    "return home interview": "a chat after you came back",
    "life story work": "your life story book",
    "life-story work": "your life story book",
    "staying put": "staying with your carers after you are 18",
    "personal adviser": "the person who helps you after 18",
    "leaving care": "growing up and moving on",
    "care leaver": "young person who has left care",
    "advocacy": "help to say what you think",
    "kinship care": "living with family or friends",
    "connected person": "a family member or friend who looks after you",
    "special guardianship": "a court order for a family member to look after you",
    "sgo": "a court order for a family member to look after you",
    "fostering panel": "a meeting of people who approve carers",
    "core group": "a meeting of the people who help you",
    "strategy meeting": "a meeting about keeping you safe",
    "multi-agency": "people from different services",
    "professionals": "the people who help you",
    "sibling": "brother or sister",
    "siblings": "brothers and sisters",
    "birth parents": "your mum and dad",
    "birth family": "your family",
    "residential": "a children's home",
    "semi-independent": "a place where you live more on your own",
    "cin": "children who get help from social workers",
    "dols": "rules that limit where you can go",
    "deprivation of liberty": "rules that limit where you can go",
    "escalate": "take it further",
    "escalation": "taking it further",
    "drift": "things taking too long",
    "timescales": "when things will happen",
    "outcome": "what happened",
    "monitoring": "checking",
}
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|St|No|etc|e\.g|i\.e|vs)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"'\u201d\u2019)\]]|$)|\n+")
_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")
_VOWELS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True, slots=True)
class Readability:
    flesch_reading_ease: float
    words: int
    sentences: int
    syllables: int
    avg_sentence_length: float  # words per sentence
    band: str  # plain words, e.g. "easy to read (about age 11-12)"
    advice: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.words:
            return self.band
        return (f"Reading ease {self.flesch_reading_ease:.0f}: {self.band}. "
                f"{self.words} words in {self.sentences} sentences "
                f"(about {self.avg_sentence_length:.0f} words each).")


def _vowel_groups(word: str) -> int:
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1
    if len(w) <= 3:
        return 1
    count = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye", "ie")) and count > 1:
        count -= 1  # silent final e: "make", "home"
    elif w.endswith("ed") and len(w) > 3 and w[-3] not in "aeioudt" and count > 1:
        count -= 1  # "walked", but not "wanted", "agreed"
    elif w.endswith("es") and len(w) > 3 and w[-3] not in "aeiouscxzgh" and count > 1:
        count -= 1  # "makes", but not "boxes", "changes"
    return max(1, count)


@lru_cache(maxsize=1)
def _dictionary():  # type: ignore[no-untyped-def]
    try:
        import pyphen

        return pyphen.Pyphen(lang="en_GB")
    except Exception:  # noqa: BLE001 - no dictionary: the vowel counter does the work
        return None


@lru_cache(maxsize=20_000)
def syllables(word: str) -> int:
    """Syllables in one word (at least 1)."""
    letters = re.sub(r"[^\w]", "", word)
    if not letters:
        return 1
    if letters.isdigit():
        return min(4, max(1, len(letters) - 1))  # "7", "12", "2026": roughly as said
    dictionary = _dictionary()
    counted = len(dictionary.positions(word.lower())) + 1 if dictionary is not None else 1
    if counted == 1 and len(letters) >= 4:
        counted = _vowel_groups(letters)
    return counted


def _sentences(text: str) -> list[str]:
    masked = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", "\u2024"), text)
    return [s for s in (part.strip() for part in _SENTENCE_END.split(masked))
            if _WORD.search(s)]


_TERMS = sorted(JARGON, key=len, reverse=True)  # longest first: "care plan" before "care"
_JARGON = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t).replace(r"\ ", r"\s+")
                                               for t in _TERMS) + r")(?![\w-])", re.IGNORECASE)


def jargon(text: str) -> list[tuple[str, str]]:
    """Social-care words in ``text`` that a child may not know, with plainer ones, in the
    order they first appear (each once; a longer term wins over a word inside it)."""
    found: dict[str, str] = {}
    for match in _JARGON.finditer(text or ""):
        typed = " ".join(match.group(1).split())
        term = typed.lower()
        if term in JARGON and term not in {t.lower() for t in found}:
            found[typed] = JARGON[term]
    return list(found.items())


def _band(score: float) -> str:
    return next(label for floor, label in BANDS if score >= floor)


def readability(text: str) -> Readability:
    """The Flesch Reading Ease of ``text`` with its band and advice in plain words."""
    sentences = _sentences(text or "")
    words_per = [_WORD.findall(s) for s in sentences]
    words = [w for ws in words_per for w in ws]
    if not words:
        return Readability(0.0, 0, 0, 0, 0.0, "nothing to measure yet", [])
    counts = [syllables(w) for w in words]
    n_words, n_sentences, n_syllables = len(words), len(sentences), sum(counts)
    score = 206.835 - 1.015 * (n_words / n_sentences) - 84.6 * (n_syllables / n_words)
    score = round(score, 1)
    advice: list[str] = []
    long_ones = [(len(ws), s) for ws, s in zip(words_per, sentences) if len(ws) > LONG_SENTENCE]
    if long_ones:
        longest = max(long_ones)[1].replace("\u2024", ".")
        start = " ".join(longest.split()[:6])
        advice.append(f"{len(long_ones)} sentence{'s' if len(long_ones) > 1 else ''} "
                      f"{'have' if len(long_ones) > 1 else 'has'} more than {LONG_SENTENCE} "
                      f"words; try splitting the longest (\u201c{start} ...\u201d).")
    hard = sorted({w.lower() for w, c in zip(words, counts) if c >= LONG_WORD})
    if hard:
        shown = ", ".join(f"\u201c{w}\u201d" for w in hard[:5])
        advice.append(f"Long words: {shown}{' and more' if len(hard) > 5 else ''}. "
                      "Shorter ones may be easier.")
    for term, plain in jargon(text)[:6]:
        advice.append(f"\u201c{term}\u201d may not mean much to a child: {plain}.")
    if score < TARGET:
        advice.append(f"Aim for {TARGET:.0f} or more for a child: shorter sentences and "
                      "shorter words help most.")
    return Readability(score, n_words, n_sentences, n_syllables,
                       round(n_words / n_sentences, 1), _band(score), advice)
