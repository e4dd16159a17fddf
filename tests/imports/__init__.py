"""Tests of `cpip_dashboard/imports`."""
