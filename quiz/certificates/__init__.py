"""Certificates of official results (contest-operations.md, Certificates)."""
