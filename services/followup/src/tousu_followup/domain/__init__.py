"""The follow-up (回访) domain: pure rules for scheduling, answers, reopening and closure."""
