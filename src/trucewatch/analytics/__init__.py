"""Analytics: counts, trends and hot spots, for the dashboard and the bulletin."""
