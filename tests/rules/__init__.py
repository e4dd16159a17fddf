"""Tests of `cpip_dashboard/rules`."""
