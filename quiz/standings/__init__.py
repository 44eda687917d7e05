"""Standings: the one owner of rankings of students and universities.

Finalizing an attempt updates the affected standings in the same transaction
(:func:`quiz.standings.services.record_attempt`); ``quiz leaderboard rebuild``
recomputes them all from attempts and must agree exactly.
"""
