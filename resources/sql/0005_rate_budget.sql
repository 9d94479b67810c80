-- The PEMS request budget (DESIGN "Sync semantics", rate limit). PEMS_API_RATE_LIMIT holds across
-- threads and across every process sharing the database, so the budget lives here: one row per
-- scope holds the earliest instant the next request may be sent, and each reservation moves it
-- forward in a single UPDATE, whose row lock serialises concurrent reservations.
CREATE TABLE pems_rate_budget (
    scope     text PRIMARY KEY CHECK (scope <> ''),
    next_slot timestamptz NOT NULL
);
