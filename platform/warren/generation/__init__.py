"""Generation: jobs, providers and the anonymising boundary between them."""
