"""Leadership's view (局领导): every unit under a unit side by side for a month, half-year or year, each figure beside
the same period a year earlier and the change, computed on the units both periods have."""
