"""Helpers shared by the test modules (no tests here); test modules import from here, never from each other."""
