"""Results people can trust (contest-operations.md, Results): a ranked round's results
are provisional after its last save instant, students may appeal during a window the
organisers open, and the organisers then make them official."""
