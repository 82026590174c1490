"""Word documents made from the core's records (never from the database): review records,
their redacted copies, the letter to the child and the annual report (python-docx, built
in memory; Qt-free). Of ours it imports only ``core`` (and ``paths``, for the shipped
Word template): tests/unit/test_layering.py."""

from iro_desktop.export.variants import VARIANTS, parse_variant, variant_choices

__all__ = ["VARIANTS", "parse_variant", "variant_choices"]
