"""Rule sets: every number of the assessment, versioned by the date it takes effect (DESIGN §5), their
administration, and the version in force on a day."""
