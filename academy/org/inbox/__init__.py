"""In-app notices: a user's inbox (reviews returned, assignments due, overdue digests)."""
