"""The project file: the only package that speaks SQL."""
from atmp_desktop.store.errors import (  # noqa: F401
    DamagedFileError, FileChangedError, ForeignSchemaError, OversizedValueError, ProjectFileError, ProjectLockedError,
    ReadOnlyError, UnsavedChangeError,
)
from atmp_desktop.store.project_file import ProjectFile  # noqa: F401
from atmp_desktop.store.rows import DeleteRows, InsertRows, MoveRows, SetCell, SetRow  # noqa: F401
