"""Counseling scripts: scripted, evidence-based flows (screenings, exercises) read from YAML (docs/COUNSELING.md)."""
