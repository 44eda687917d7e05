"""Universities and colleges whose students take part."""
