"""iro-desktop: an offline, encrypted workspace for Independent Reviewing Officers."""

__version__ = "0.1.0"
