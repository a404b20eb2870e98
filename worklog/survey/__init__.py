"""The police-service call-back survey (警务调查, DESIGN §7): contacts, draws, calls and follow-ups."""
