"""The HTTP side: the edge (tenant + IP choke point), pages and the Litestar app."""
