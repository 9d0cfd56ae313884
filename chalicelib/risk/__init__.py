"""Risk: risk-area feeds, the refresh and the recolour queue, city services."""
