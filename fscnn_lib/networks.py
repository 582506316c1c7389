"""Placeholder: being written (see CONTRIBUTING.md)."""

__all__: list[str] = []
