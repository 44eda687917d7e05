"""People: students, coordinators, organisers; logging in; API tokens."""
