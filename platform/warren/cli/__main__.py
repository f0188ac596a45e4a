"""`python -m warren.cli`: how `warren serve` starts its worker and scheduler."""

from warren.cli import main

main()
