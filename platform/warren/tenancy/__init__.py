"""Tenants: the brand registry, host resolution and per-tenant secrets."""
