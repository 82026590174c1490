"""The plaintext scan the vault tests rely on: it finds child data written in the clear and
is not fooled by a reference that happens to appear inside hex text (keystore.json)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import sample_markers, scan_for_plaintext


def test_a_reference_in_the_clear_is_found_but_not_one_inside_a_hex_string(
        tmp_path: Path) -> None:
    clear = tmp_path / "log.txt"
    clear.write_text("opened review for 270431 today\n", "utf-8")
    keystore = tmp_path / "keystore.json"
    keystore.write_text('{"salt": "9f3e270431ab", "mac": "00270431"}', "utf-8")
    record = tmp_path / "row.bin"
    record.write_bytes(b"\x05\x11270431\x17Mitchell")
    hits = scan_for_plaintext([tmp_path], ["270431", "Mitchell"])
    assert sorted(hits) == sorted([
        f"{clear}: '270431' (utf-8)",
        f"{record}: '270431' (utf-8)",
        f"{record}: 'Mitchell' (utf-8)",
    ])


def test_names_are_found_anywhere_and_in_utf16(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"abcdefMitchell0123")
    (tmp_path / "b.bin").write_bytes("x270431y".encode("utf-16-le"))
    hits = scan_for_plaintext([tmp_path], ["Mitchell", "270431"])
    assert len(hits) == 2
    assert any("'Mitchell' (utf-8)" in h for h in hits)
    assert any("'270431' (utf-16-le)" in h for h in hits)


def test_the_demo_markers_include_hex_only_references() -> None:
    # The case the rule is for: the sample holds references made of digits only.
    assert any(m.isdigit() for m in sample_markers())
