"""The demo mechanism: the 2017 Astana mechanism, with reports built from real UCDP events."""
