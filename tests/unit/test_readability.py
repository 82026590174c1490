"""The reading-ease figure the window shows while the IRO writes the letter to the child."""

from __future__ import annotations

import subprocess
import sys

import pytest

from iro_desktop.core.readability import BANDS, readability, syllables


@pytest.mark.parametrize("word, count", [
    ("cat", 1), ("the", 1), ("happy", 2), ("agreed", 2), ("walked", 1), ("wanted", 2),
    ("review", 2), ("placement", 2), ("beautiful", 3), ("independent", 4), ("makes", 1),
    ("boxes", 2), ("home", 1), ("7", 1),
])
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_flesch_reading_ease_of_short_plain_sentences() -> None:
    result = readability("The cat sat on the mat. The dog ran.")
    assert (result.words, result.sentences, result.syllables) == (9, 2, 9)
    # 206.835 - 1.015 * 4.5 - 84.6 * 1.0
    assert result.flesch_reading_ease == pytest.approx(117.7, abs=0.05)
    assert result.band == "very easy to read (about age 10-11)"
    assert result.avg_sentence_length == 4.5 and result.advice == []


def test_hard_text_gets_a_low_score_and_advice() -> None:
    text = ("The independent reviewing officer considered the appropriateness of the "
            "arrangements for the facilitation of contact between the child and the birth "
            "family, having regard to the statutory framework and the outcome of the "
            "assessment undertaken by the local authority.")
    result = readability(text)
    assert result.sentences == 1 and result.words == 39
    assert result.flesch_reading_ease < 30 and result.band == "very hard to read (graduate)"
    advice = " ".join(result.advice)
    assert "1 sentence has more than 20 words" in advice and "\u201cThe independent" in advice
    assert "\u201cappropriateness\u201d" in advice
    assert "\u201ccontact\u201d may not mean much to a child: family time" in advice
    assert "Aim for 70 or more" in advice


def test_sentence_ends_lines_and_abbreviations() -> None:
    result = readability("Dear Alfie,\nMr. Jones says you did well at school!\nWhat we agreed")
    assert result.sentences == 3  # the greeting, the sentence, the heading
    assert readability("e.g. this is one sentence. And this.").sentences == 2


def test_empty_and_odd_text_never_fail() -> None:
    assert readability("").band == "nothing to measure yet"
    assert readability("   \n\n ").words == 0
    for text in ("👧🏽 🦄 🎨", "...!!!???", "a" * 10_000, "محمد علي ذهب إلى المدرسة.", "\x00\x07"):
        result = readability(text)
        assert result.band
        assert isinstance(result.flesch_reading_ease, float)


def test_every_score_has_a_band() -> None:
    floors = [floor for floor, _label in BANDS]
    assert floors == sorted(floors, reverse=True) and floors[-1] == float("-inf")
    assert readability("Supercalifragilistic antidisestablishmentarianism.").band


def test_readability_uses_no_network_package() -> None:
    """textstat would call nltk.download at run time; the export never imports either."""
    code = ("import sys, iro_desktop.core.readability as r; r.readability('A test. Two.');"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'textstat', 'nltk'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    assert out == "[]"
