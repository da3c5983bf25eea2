"""Inter-coder agreement: coefficients (statistics), the ones reported (coefficients), over a study
(study_agreement), shown (report), and the turns coders disagree on (disagreements)."""
