"""The officer's day (日清): entries, self-assessment, submission, the officer ledger and dashboard."""
