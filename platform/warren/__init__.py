"""warren: one codebase for several brand sites, each keeping its own privacy promise."""
