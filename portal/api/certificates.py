"""API: certificates routes."""
