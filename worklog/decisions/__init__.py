"""HR decisions and honours on record (奖惩兑现)."""
