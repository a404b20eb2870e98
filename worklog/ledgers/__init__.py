"""The three ledgers (台帐): officer detail (in daily), department classified and unit general."""
