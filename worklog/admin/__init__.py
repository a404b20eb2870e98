"""Administration: the org tree, sequences and posts, people, assignments and roles, bulk import."""
