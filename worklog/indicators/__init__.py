"""Assessment from above (上级考下级): indicators, their break-down and the progress against them."""
