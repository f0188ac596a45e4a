"""Retention: one engine that deletes what each tenant's policy promises to delete,
when it promises, except what is held; and the one routine that erases an account."""
