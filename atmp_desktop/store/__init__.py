"""The project file: the only package that speaks SQL."""
from atmp_desktop.store.errors import (  # noqa: F401
    ProjectFileError, ProjectLockedError, ReadOnlyError,
)
from atmp_desktop.store.project_file import ProjectFile  # noqa: F401
