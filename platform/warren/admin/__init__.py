"""Tenant admins: their accounts (invited, password + mandatory TOTP), their sessions, and
the append-only audit log of everything they do."""
