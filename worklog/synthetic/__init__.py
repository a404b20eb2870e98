"""A whole synthetic province generated from a seed, for benchmarks and trials at the size the product must hold."""
