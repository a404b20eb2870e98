"""Units and the public (综合考评, DESIGN §7): survey statistics and bulletins, opinion polls, and units'
comprehensive scores, grades and yellow cards."""
