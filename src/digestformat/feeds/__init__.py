"""Formats that are not Markdown layouts: JSON (and, later, feeds)."""
