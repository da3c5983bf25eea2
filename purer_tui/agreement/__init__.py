"""Inter-coder agreement: coefficients (statistics), over a study (study_agreement), shown (report), and the turns coders disagree on (disagreements)."""
