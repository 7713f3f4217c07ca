"""Complaints, appeals and counterfeit reports (issue #5). Models are added here."""
