"""Normalisation: text, templates, reconstruction and reconciliation."""
