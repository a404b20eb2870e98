"""Pure rule code: scoring, grading, quotas, eligibility. Plain values in, plain values out."""
