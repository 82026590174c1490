"""Review agenda templates: a readable TOML file per council, validated with clear errors.

Format (see ``docs/agenda-templates.md`` and ``resources/agendas/``)::

    name = "England default agenda"
    nation = "england"          # or "wales"
    version = 1
    [[item]]
    key = "health"              # letters, digits, underscores; unique
    title = "Health"
    guidance = ["Latest health assessment ..."]
    min_age = 3                 # optional, whole years on the review date
    max_age = 4                 # optional
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass

from iro_desktop.core.bounds import too_deep
from iro_desktop.core.models import Nation

MAX_TEMPLATE_BYTES = 256 * 1024
MAX_ITEMS = 60
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class AgendaTemplateError(ValueError):
    """The template was refused; the message names the problem."""

    user_facing = True  # the window shows the message as it is


@dataclass(frozen=True, slots=True)
class AgendaItemTemplate:
    key: str
    title: str
    guidance: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None

    def applies_at(self, age: int) -> bool:
        if self.min_age is not None and age < self.min_age:
            return False
        return self.max_age is None or age <= self.max_age


@dataclass(frozen=True, slots=True)
class AgendaTemplate:
    name: str
    nation: Nation
    version: int
    items: tuple[AgendaItemTemplate, ...]

    def items_for_age(self, age: int) -> list[AgendaItemTemplate]:
        return [item for item in self.items if item.applies_at(age)]


def _age(value: object, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 25:
        raise AgendaTemplateError(f"{where}: ages are whole years from 0 to 25")
    return value


def _text(value: object, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AgendaTemplateError(f"{where} must be non-empty text")
    if len(value) > limit:
        raise AgendaTemplateError(f"{where} is longer than {limit} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise AgendaTemplateError(f"{where} contains control characters")
    return value.strip()


def parse_agenda(data: bytes) -> AgendaTemplate:
    if len(data) > MAX_TEMPLATE_BYTES:
        raise AgendaTemplateError(f"the agenda file is larger than {MAX_TEMPLATE_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8-sig")
        deep = too_deep(text, toml=True)
        if deep:
            raise AgendaTemplateError(f"the agenda file cannot be used: {deep}")
        doc = tomllib.loads(text)
    except UnicodeDecodeError:
        raise AgendaTemplateError("the agenda file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise AgendaTemplateError(f"the agenda file is not valid TOML: {exc}") from None
    except RecursionError:  # the scan above should have caught it; never "unexpected error"
        raise AgendaTemplateError("the agenda file nests too deeply to be read") from None
    name = _text(doc.get("name"), "name", 200)
    try:
        nation = Nation.parse(str(doc.get("nation", "")))
    except ValueError as exc:
        raise AgendaTemplateError(f"nation: {exc}") from None
    version = doc.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise AgendaTemplateError("version must be a whole number from 1")
    raw_items = doc.get("item")
    if not isinstance(raw_items, list) or not raw_items:
        raise AgendaTemplateError("the agenda has no [[item]] entries")
    if len(raw_items) > MAX_ITEMS:
        raise AgendaTemplateError(f"the agenda has more than {MAX_ITEMS} items")
    items: list[AgendaItemTemplate] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_items, start=1):
        where = f"item {number}"
        if not isinstance(raw, dict):
            raise AgendaTemplateError(f"{where} is not a table")
        unknown = set(raw) - {"key", "title", "guidance", "min_age", "max_age"}
        if unknown:
            raise AgendaTemplateError(f"{where} has unknown field(s): {', '.join(sorted(unknown))}")
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise AgendaTemplateError(
                f"{where}: key must be lower-case letters, digits or underscores (got {key!r})")
        if key in seen:
            raise AgendaTemplateError(f"{where}: key {key!r} is used twice")
        seen.add(key)
        guidance = raw.get("guidance", [])
        if isinstance(guidance, str):
            guidance = [guidance]
        if not isinstance(guidance, list):
            raise AgendaTemplateError(f"{where} ({key}): guidance must be a list of text")
        min_age = _age(raw.get("min_age"), f"{where} ({key}) min_age")
        max_age = _age(raw.get("max_age"), f"{where} ({key}) max_age")
        if min_age is not None and max_age is not None and min_age > max_age:
            raise AgendaTemplateError(f"{where} ({key}): min_age is above max_age")
        items.append(AgendaItemTemplate(
            key=key,
            title=_text(raw.get("title"), f"{where} ({key}) title", 200),
            guidance=tuple(_text(g, f"{where} ({key}) guidance", 1000) for g in guidance),
            min_age=min_age,
            max_age=max_age,
        ))
    return AgendaTemplate(name=name, nation=nation, version=version, items=tuple(items))
