"""Tests of `cpip_dashboard/store`."""
