"""Background jobs: long work split into parts, one per unit, run by RQ workers when REDIS_URL is set and
inline (in the process that starts the job) when it is not."""
