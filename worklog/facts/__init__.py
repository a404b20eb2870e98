"""Work facts from the police business systems, and the entries they become."""
