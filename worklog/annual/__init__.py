"""The year and HR (年度总评): annual results, eligibility, promotion rounds, warning and removal lists, bonuses."""
