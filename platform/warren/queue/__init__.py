"""The queue: choosing a Dramatiq broker by URL, and the port the web side enqueues through."""
