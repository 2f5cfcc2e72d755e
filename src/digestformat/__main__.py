"""``python -m digestformat``."""

from .cli import main

main()
