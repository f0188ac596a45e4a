"""Moderation: share links to generated results, reports and flags about content, and the
queue's actions (dismiss, remove, block the owner, hold, export the held evidence)."""
