"""Data-subject rights a user serves themselves: deleting the account, exporting it,
restricting the use of their data."""
