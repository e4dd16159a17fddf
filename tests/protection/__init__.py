"""Tests of `cpip_dashboard/protection`."""
