"""The versioned JSON API (/api/v1/) for police business systems: clients, tokens, errors, limits, document."""
