"""Verification receipts for tenders (issue #3). Models are added here."""
