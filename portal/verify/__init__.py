"""Verification: the one verdict on a certificate, a paper or a supplier list, as people read it."""
