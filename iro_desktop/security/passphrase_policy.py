"""How strong a new passphrase is, in words an IRO can act on.

Accepted: at least 12 characters, or three or more words, and not guessable
(zxcvbn score 3 or more, which rejects common passwords, keyboard walks and
dictionary words with simple substitutions).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 12
MIN_WORDS = 3
MIN_SCORE = 3
MAX_LENGTH = 1024
_ZXCVBN_PREFIX = 100  # zxcvbn's matching grows quickly with length; the prefix decides anyway

LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int  # 0..4
    acceptable: bool
    feedback: str

    @property
    def label(self) -> str:
        return LABELS[self.score]


def assess(passphrase: str, user_inputs: tuple[str, ...] = ()) -> Assessment:
    if not passphrase:
        return Assessment(0, False, "Enter a passphrase.")
    if len(passphrase) > MAX_LENGTH:
        return Assessment(0, False, f"Use at most {MAX_LENGTH} characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in passphrase):
        return Assessment(0, False, "A passphrase cannot contain control characters.")
    words = [w for w in passphrase.split() if w]
    long_enough = len(passphrase) >= MIN_LENGTH or len(words) >= MIN_WORDS

    from zxcvbn import zxcvbn  # imported here: it loads word lists, kept off app start-up

    result = zxcvbn(passphrase[:_ZXCVBN_PREFIX], user_inputs=list(user_inputs))
    score = int(result["score"])
    if not long_enough:
        return Assessment(min(score, 1), False,
                          f"Use at least {MIN_LENGTH} characters, or three or more words.")
    if score < MIN_SCORE:
        hint = result["feedback"].get("warning") or "This is easy to guess."
        suggestions = " ".join(result["feedback"].get("suggestions") or [])
        advice = suggestions or "Add another uncommon word."
        return Assessment(score, False, f"{hint.rstrip('.')}. {advice}".strip())
    return Assessment(score, True, "Strong enough." if score == 3 else "Very strong.")
