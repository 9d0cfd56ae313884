"""People: persons, dependants, care links and requests, and whom an account may show."""
