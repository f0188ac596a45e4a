"""Generation providers: the offline demo, OpenAI-compatible services, and the registry
that reads which ones a deployment has. The contract they share is in ``base``."""
