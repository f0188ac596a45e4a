"""HTTP handlers, a module per area. Each one: parse input → call one service → render
or redirect. Domain errors they do not handle themselves go to ``warren.web.errors``."""
