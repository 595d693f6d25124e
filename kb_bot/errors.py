"""The one family of errors meant for a person.

Every surface (CLI, web app, eval) shows ``str(error)`` of a :class:`UserError` as it is: a Japanese
sentence that says what went wrong and what to do. Any other exception is a defect: surfaces log it with
its traceback and show a generic message that carries no data (no SQL parameters, no hashes, no paths).
"""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be done as asked; the message tells the user what to do instead."""
