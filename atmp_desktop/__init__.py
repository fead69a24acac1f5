"""ATMP Dossier Desktop: offline authoring of EU ATMP dossier sections."""

__version__ = "0.1.0"
APP_NAME = "ATMP Dossier Desktop"
