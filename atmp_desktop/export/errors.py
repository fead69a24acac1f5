"""Errors the user can fix (a template lacking styles, an unwritable folder), with one-sentence messages."""


class ExportError(Exception):
    """A user-fixable export problem; str(exc) is one sentence naming the problem and what to do."""
