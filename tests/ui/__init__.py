"""Tests of `cpip_dashboard/ui` and what only a browser or a real server shows (Playwright with Chromium, the cluster behind nginx)."""
