"""The content library: generated items, their download, trash and restore."""
