"""parsalink-tui: an offline, keyboard-driven mirror of the ParsaLink contacts API."""

__version__ = "0.1.0"
