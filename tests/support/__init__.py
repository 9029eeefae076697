"""Helpers shared by the test suites: real services started and stopped by fixtures."""
