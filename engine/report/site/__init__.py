"""The run's report as a small static site (see engine.report.html for its map)."""
