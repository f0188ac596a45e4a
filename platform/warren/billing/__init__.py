"""Billing: the energy-point ledger and Prime status."""
