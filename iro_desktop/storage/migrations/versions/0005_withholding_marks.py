"""Withholding as data: line marks beside the text, decisions and people per child.

* ``review_text.line_marks``: which lines of a field are withheld from whom, as JSON
  (``core.redaction.encode_line_marks``), written with the text in one statement.
* ``amendment.old_marks`` / ``new_marks``: the marks an amendment replaced and set.
* ``withholding``: decisions and people withheld from a recipient, per child, so the
  mark follows them into later reviews (the first release kept them per review, so a
  decision withheld from parents at review N was printed in review N+1's copy).
* ``person.share_address``: a network member's address is printed only in the
  council's full record unless the IRO shares it.

Stored text is migrated: every ``[withhold from <groups>]`` tag the first release read
(at the start of a paragraph, for the whole paragraph) becomes a mark on each line of
that paragraph and is removed from the text. Tags that name anything other than a
recipient group are left as typed, so the export stops at them and says where.

The migration keeps its own copy of the tag rules (below), so later changes to
``core.redaction`` never change what this step did.

Revision ID: 0005
Revises: 0004
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_GROUPS = {"parents": "parents", "parent": "parents", "child": "child", "the child": "child",
           "carers": "carers", "carer": "carers", "professionals": "professionals",
           "professional": "professionals"}
_TAG = re.compile(r"\[\s*withhold\s+from\s+([^\]\n]*)\]\s*", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*(?:[-*\u2022]\s+)?)")
_BULLET_LINE = re.compile(r"^\s*[-*\u2022]\s+")


def _groups(body: str) -> set[str] | None:
    out: set[str] = set()
    for part in re.split(r",|\band\b|&", body):
        word = " ".join(part.strip().lower().split())
        if not word:
            continue
        if word not in _GROUPS:
            return None
        out.add(_GROUPS[word])
    return out or None


def _migrate(text: str) -> tuple[str, dict[int, set[str]]]:
    lines = text.split("\n")
    blocks: list[list[int]] = []
    block: list[int] = []
    for number, line in enumerate(lines):
        if not line.strip() or _BULLET_LINE.match(line):
            if block:
                blocks.append(block)
            block = []
            if line.strip():
                blocks.append([number])
            continue
        block.append(number)
    if block:
        blocks.append(block)
    marks: dict[int, set[str]] = {}
    for block in blocks:
        # A tag at the start of a line (after any bullet) withholds that line and the
        # rest of its paragraph: the first release read it only on a paragraph's first
        # line and printed it elsewhere, so where it stood the IRO meant to withhold.
        withheld: set[str] = set()
        for number in block:
            line = lines[number]
            prefix = _BULLET.match(line).group(1)  # type: ignore[union-attr]
            match = _TAG.match(line, len(prefix))
            if match is not None:
                groups = _groups(match.group(1))
                if groups is not None:
                    lines[number] = prefix + line[match.end():]
                    withheld |= groups
            if withheld:
                marks.setdefault(number, set()).update(withheld)
    return "\n".join(lines), marks


def _encode(marks: dict[int, set[str]]) -> str:
    items = {str(i): sorted(r) for i, r in sorted(marks.items()) if r}
    return json.dumps(items, separators=(",", ":"), sort_keys=True) if items else ""


def upgrade() -> None:
    op.add_column("review_text", sa.Column("line_marks", sa.Text, nullable=False,
                                           server_default=sa.text("''")))
    op.add_column("amendment", sa.Column("old_marks", sa.Text, nullable=False,
                                         server_default=sa.text("''")))
    op.add_column("amendment", sa.Column("new_marks", sa.Text, nullable=False,
                                         server_default=sa.text("''")))
    op.add_column("person", sa.Column("share_address", sa.Boolean, nullable=False,
                                      server_default=sa.text("0")))
    op.create_table(
        "withholding",
        sa.Column("child_id", sa.Integer, sa.ForeignKey("child.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("subject", sa.String(40), primary_key=True),
        sa.Column("recipient", sa.String(40), primary_key=True),
    )
    conn = op.get_bind()
    # Decisions and people withheld at one review: now withheld wherever they appear.
    conn.execute(sa.text(
        "INSERT OR IGNORE INTO withholding (child_id, subject, recipient) "
        "SELECT review.child_id, text_mark.key, substr(text_mark.mark, 10) "
        "FROM text_mark JOIN review ON review.id = text_mark.review_id "
        "WHERE (text_mark.key LIKE 'decision:%' OR text_mark.key LIKE 'person:%') "
        "AND text_mark.mark LIKE 'withhold:%'"))
    conn.execute(sa.text(
        "DELETE FROM text_mark WHERE (key LIKE 'decision:%' OR key LIKE 'person:%') "
        "AND mark LIKE 'withhold:%'"))
    # Typed tags -> line marks.
    rows = conn.execute(sa.text(
        "SELECT review_id, key, value FROM review_text WHERE instr(lower(value), "
        "'withhold') > 0")).all()
    for review_id, key, value in rows:
        new_value, marks = _migrate(value)
        if marks:
            conn.execute(sa.text(
                "UPDATE review_text SET value = :v, line_marks = :m "
                "WHERE review_id = :r AND key = :k"),
                {"v": new_value, "m": _encode(marks), "r": review_id, "k": key})


def downgrade() -> None:
    op.drop_table("withholding")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("share_address")
    with op.batch_alter_table("amendment") as batch:
        batch.drop_column("new_marks")
        batch.drop_column("old_marks")
    with op.batch_alter_table("review_text") as batch:
        batch.drop_column("line_marks")
