"""Stitching the executed notebooks into one HTML page and one PDF."""
