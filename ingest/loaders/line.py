"""What every loader produces: text lines with the page they come from."""

from __future__ import annotations

from dataclasses import dataclass

from kb_bot.errors import UserError


@dataclass(frozen=True)
class Line:
    """One logical line of a source document (normalised text); ``page`` is 1-based, PDFs only."""

    text: str
    page: int | None = None


class LoadError(UserError):
    """A file cannot be read; the message is one Japanese line telling the user what to do."""
