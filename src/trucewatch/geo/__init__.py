"""Geography: administrative areas, zones of control, places."""
