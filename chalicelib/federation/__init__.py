"""Federation: mutual recognition across regions (互通互认)."""
