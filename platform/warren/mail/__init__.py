"""Outgoing mail: one interface, an outbox-folder backend and an SMTP backend."""
