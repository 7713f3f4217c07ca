"""API: stats routes."""
