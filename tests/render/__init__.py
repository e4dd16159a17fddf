"""Tests of `cpip_dashboard/render`."""
