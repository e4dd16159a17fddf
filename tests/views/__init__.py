"""Tests of `cpip_dashboard/views`."""
