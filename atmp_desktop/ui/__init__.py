"""The Qt application: a main window with a step navigator over the project file (see docs/gui.md)."""
