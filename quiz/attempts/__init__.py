"""Attempts: a student's timed question set, their answers, and its score."""
