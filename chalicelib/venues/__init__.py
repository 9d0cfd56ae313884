"""Venues: venue codes (场所码) and posters, check-ins, co-location exposure, vaccination
records."""
