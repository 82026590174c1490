"""Review agenda templates: the defaults an IRO gets, items by the child's age, and the
clear refusals a council sees when its own template file is wrong."""

from __future__ import annotations

import pytest

from iro_desktop.core.agenda import (
    MAX_ITEMS,
    MAX_TEMPLATE_BYTES,
    AgendaTemplate,
    AgendaTemplateError,
    parse_agenda,
)
from iro_desktop.core.models import Nation
from iro_desktop.services.councils import default_agenda
from tests.conftest import RESOURCES

AGENDAS = RESOURCES / "agendas"

EXPECTED_KEYS = (
    "welcome", "wishes", "previous_decisions", "changes", "care_plan", "placement", "health",
    "early_years", "education", "family_time", "identity", "safety", "leisure", "pathway",
    "others_views", "rights", "summary", "next_review",
)


def _template(items: str, header: str = 'name = "Test agenda"\nnation = "england"\n') -> bytes:
    return (header + items).encode("utf-8")


GOOD_ITEM = '[[item]]\nkey = "health"\ntitle = "Health"\n'


def _refused(data: bytes) -> str:
    with pytest.raises(AgendaTemplateError) as info:
        parse_agenda(data)
    return str(info.value)


# ---- the default templates ----------------------------------------------------------------


@pytest.mark.parametrize(("file", "nation"), [("england.toml", Nation.ENGLAND),
                                              ("wales.toml", Nation.WALES)])
def test_default_templates_parse_with_18_items(file: str, nation: Nation) -> None:
    template = parse_agenda((AGENDAS / file).read_bytes())
    assert isinstance(template, AgendaTemplate)
    assert template.nation is nation
    assert template.version == 1
    assert len(template.items) == 18
    assert tuple(i.key for i in template.items) == EXPECTED_KEYS
    assert all(i.title and i.guidance for i in template.items), "every item has guidance"
    # the summary and the next review close the meeting
    assert [i.key for i in template.items[-2:]] == ["summary", "next_review"]


def test_default_agenda_is_chosen_by_nation() -> None:
    assert default_agenda(Nation.ENGLAND).name == "England default agenda"
    wales = default_agenda(Nation.WALES)
    assert wales.name == "Wales default agenda"
    assert "When I am Ready" in next(i.title for i in wales.items if i.key == "pathway")


# ---- items by the child's age ---------------------------------------------------------------


@pytest.mark.parametrize("nation", [Nation.ENGLAND, Nation.WALES])
@pytest.mark.parametrize(("age", "early_years", "education", "pathway", "count"), [
    (0, True, False, False, 16),
    (2, True, False, False, 16),
    (3, True, True, False, 17),   # education from 3
    (4, True, True, False, 17),   # early years up to and including 4
    (5, False, True, False, 16),
    (14, False, True, False, 16),
    (15, False, True, True, 17),  # pathway from 15
    (17, False, True, True, 17),
])
def test_items_for_age(nation: Nation, age: int, early_years: bool, education: bool,
                       pathway: bool, count: int) -> None:
    keys = [i.key for i in default_agenda(nation).items_for_age(age)]
    assert ("early_years" in keys) is early_years
    assert ("education" in keys) is education
    assert ("pathway" in keys) is pathway
    assert len(keys) == count
    # the template's order is kept whatever is left out
    assert keys == [k for k in EXPECTED_KEYS if k in keys]


# ---- a council's own template -----------------------------------------------------------------


def test_minimal_custom_template() -> None:
    template = parse_agenda(_template(
        '[[item]]\nkey = "wishes"\ntitle = "  Wishes  "\nguidance = "One line of guidance"\n'
        '[[item]]\nkey = "teen_only"\ntitle = "Teen"\nmin_age = 13\nmax_age = 17\n',
        header='\ufeffname = "Cymru"\nnation = "cymru"\n'))
    assert template.nation is Nation.WALES
    assert template.items[0].title == "Wishes"
    assert template.items[0].guidance == ("One line of guidance",)
    assert [i.key for i in template.items_for_age(12)] == ["wishes"]
    assert [i.key for i in template.items_for_age(13)] == ["wishes", "teen_only"]
    assert [i.key for i in template.items_for_age(18)] == ["wishes"]


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param(b'name = "x\nnation = "england"\n', "not valid TOML", id="not-toml"),
    pytest.param(b"name = \"Agenda \xff\xfe\"\nnation = \"england\"\n", "not UTF-8",
                 id="not-utf8"),
    pytest.param('name = "Caf\u00e9"\n'.encode("latin-1"), "not UTF-8", id="latin1"),
    pytest.param(_template(GOOD_ITEM, header='nation = "england"\n'), "name",
                 id="missing-name"),
    pytest.param(_template(GOOD_ITEM, header='name = "   "\nnation = "england"\n'), "name",
                 id="blank-name"),
    pytest.param(_template(GOOD_ITEM, header='name = "A"\nnation = "scotland"\n'),
                 "unknown nation 'scotland'", id="unknown-nation"),
    pytest.param(_template(GOOD_ITEM, header='name = "A"\n'), "nation", id="missing-nation"),
    pytest.param(_template(""), "no [[item]]", id="no-items"),
    pytest.param(_template("item = []\n"), "no [[item]]", id="empty-item-list"),
    pytest.param(_template(GOOD_ITEM + GOOD_ITEM), "'health' is used twice", id="duplicate-key"),
    pytest.param(_template('[[item]]\nkey = "Health"\ntitle = "Health"\n'),
                 "key must be lower-case", id="bad-key-capital"),
    pytest.param(_template('[[item]]\nkey = "family-time"\ntitle = "Family"\n'),
                 "'family-time'", id="bad-key-hyphen"),
    pytest.param(_template('[[item]]\nkey = "1st"\ntitle = "First"\n'), "key",
                 id="bad-key-digit-first"),
    pytest.param(_template('[[item]]\nkey = "' + "a" * 41 + '"\ntitle = "Long"\n'), "key",
                 id="bad-key-too-long"),
    pytest.param(_template('[[item]]\ntitle = "No key"\n'), "key", id="missing-key"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "X"\nmin_age = 10\nmax_age = 4\n'),
                 "min_age is above max_age", id="min-above-max"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "X"\nmin_age = 26\n'),
                 "0 to 25", id="age-out-of-range"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "X"\nmax_age = true\n'),
                 "whole years", id="age-bool"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "X"\ncolour = "red"\n'),
                 "unknown field(s): colour", id="unknown-field"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "Bell\\u0007here"\n'),
                 "title contains control characters", id="control-char-title"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = """Two\nlines"""\n'),
                 "control characters", id="newline-in-title"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "Esc\\u001b[31m"\n'),
                 "control characters", id="escape-in-title"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = ""\n'), "title must be non-empty",
                 id="empty-title"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "' + "T" * 201 + '"\n'),
                 "longer than 200", id="title-too-long"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "X"\nguidance = 3\n'),
                 "guidance must be a list", id="guidance-not-text"),
    pytest.param(_template('[[item]]\nkey = "x"\ntitle = "X"\nguidance = ["ok", ""]\n'),
                 "guidance must be non-empty", id="guidance-empty"),
    pytest.param(_template("", header='name = "A"\nnation = "england"\nversion = 0\n'
                           + GOOD_ITEM), "version", id="version-zero"),
    pytest.param(_template("".join(f'[[item]]\nkey = "k{n}"\ntitle = "T"\n'
                                   for n in range(MAX_ITEMS + 1))),
                 f"more than {MAX_ITEMS} items", id="too-many-items"),
    pytest.param(_template(GOOD_ITEM + "# " + "x" * MAX_TEMPLATE_BYTES + "\n"),
                 "larger than 256 KB", id="too-big"),
])
def test_malformed_template_refused_naming_the_problem(data: bytes, expected: str) -> None:
    assert expected in _refused(data)


def test_item_number_is_named_in_the_message() -> None:
    message = _refused(_template(GOOD_ITEM + '[[item]]\nkey = "x"\ntitle = "X"\nsize = 1\n'))
    assert message.startswith("item 2 ")


def test_size_limit_is_on_bytes_just_under_is_accepted() -> None:
    base = _template(GOOD_ITEM)
    padding = MAX_TEMPLATE_BYTES - len(base) - 3
    data = base + b"# " + b"x" * padding + b"\n"
    assert len(data) == MAX_TEMPLATE_BYTES
    assert [i.key for i in parse_agenda(data).items] == ["health"]


@pytest.mark.parametrize("char", ["\\u007f", "\\u0085"])  # TOML escapes
def test_del_and_c1_controls_in_title_refused(char: str) -> None:
    assert "control characters" in _refused(
        _template(f'[[item]]\nkey = "x"\ntitle = "Bad{char}title"\n'))


@pytest.mark.parametrize("deep", [
    'name = "x"\nnation = "england"\nv = ' + "[" * 5000 + "]" * 5000 + "\n",
    'name = "x"\nnation = "england"\nv = ' + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
])
def test_deeply_nested_agenda_toml_is_refused_with_a_clear_message(deep: str) -> None:
    with pytest.raises(AgendaTemplateError, match="levels deep"):
        parse_agenda(deep.encode("utf-8"))


def test_nesting_inside_strings_and_comments_does_not_count() -> None:
    from iro_desktop.core.bounds import nesting_depth

    assert nesting_depth('a = "[[[[{{{{" # [[[[[\nb = [[1]]', toml=True) == 2
    assert nesting_depth('{"a": "]]]\\"[", "b": [[]]}') == 3
