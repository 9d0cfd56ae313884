"""Itinerary: carriers' stays in, itinerary cards (行程卡) out."""
