"""Errors the store raises. Each message is one sentence a user can act on."""


class ProjectFileError(Exception):
    """The project file cannot be opened or written. The file is left unchanged."""


class ProjectLockedError(ProjectFileError):
    """Another instance has the project open (see `holder`)."""

    def __init__(self, message: str, holder: dict):
        super().__init__(message)
        self.holder = holder


class ReadOnlyError(ProjectFileError):
    """A write was attempted on a project opened read-only."""
