"""Tests of `cpip_dashboard/batches`."""
