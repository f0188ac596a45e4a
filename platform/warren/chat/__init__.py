"""Chat with AI assistants: conversations kept to the last N messages per assistant."""
