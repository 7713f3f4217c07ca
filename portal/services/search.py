"""Search service (issue #7): connects the portal to `search_index`. Stub until then."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Open the search index for this process (filled in by issue #7)."""
