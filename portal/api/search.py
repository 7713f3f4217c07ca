"""API: search routes."""
