"""1:1 coaching notes: a manager records a conversation with a learner, who reads it (/coaching)."""
