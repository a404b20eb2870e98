"""Inspection findings (督察) with their evidence, and the rectification (整改) each may ask for."""
