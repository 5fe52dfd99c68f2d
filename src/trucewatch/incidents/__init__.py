"""Incidents: real-world events, each fused from the reports that describe it."""
