"""Verb functions over the models; the only code that commits."""
