"""Community records: Section 136 detentions, Community Speedwatch, Special Constables,
volunteers and school officers, and the quarterly community report."""
