"""Supervisor leniency (issue 15): each supervisor's reviews beside their peers' in the same unit and sequence, with
the outliers flagged for the unit's assessment panel."""
