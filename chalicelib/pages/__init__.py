"""Pages: the citizen page, the scanner and the console, and their one-time sign-in."""
