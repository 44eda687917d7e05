"""Coordinators: their own university's students, results and verification."""
