"""Renderers: turn a report dict into text for people (Rich) or machines (JSON/CSV/Markdown)."""
