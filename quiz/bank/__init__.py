"""The question bank: topics, questions and their immutable versions."""
