"""Test doubles shared by test modules (never a test module imported by another)."""
