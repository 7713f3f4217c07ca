"""Views (filled in by the issue that owns this blueprint)."""
