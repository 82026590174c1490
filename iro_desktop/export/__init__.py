"""Word documents made from the vault: review records, their redacted copies and the
letter to the child (python-docx, built in memory; Qt-free)."""

from iro_desktop.export.variants import VARIANTS, parse_variant, variant_choices

__all__ = ["VARIANTS", "parse_variant", "variant_choices"]
