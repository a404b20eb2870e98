"""The panel's month (月评月审): adjustments, vetoes, scores and grades, publication, appeals, sealing."""
