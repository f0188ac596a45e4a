"""Object storage: one interface, a local-directory backend and an S3 backend."""
