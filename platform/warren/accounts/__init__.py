"""Accounts: users, passwords, sign-in sessions and the security event log."""
