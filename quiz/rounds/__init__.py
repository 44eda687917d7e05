"""Rounds: when a question set can be taken, how it is drawn, timed and scored."""
