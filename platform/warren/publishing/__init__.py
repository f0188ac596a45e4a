"""Versioned brand configuration: drafts, published versions, the version in force."""
