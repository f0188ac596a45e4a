"""Database access: engine, sessions, the declarative base and the embedded server."""
