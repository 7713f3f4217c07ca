"""API: openapi routes."""
