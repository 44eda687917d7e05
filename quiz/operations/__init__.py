"""Running a contest: overrides, incidents (contest-operations.md)."""
