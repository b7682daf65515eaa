-- Region scale (issue 21): a name searched for among the open cases asks each open case's
-- registration for its words, instead of listing every registration of the ente that has them
-- (1,300 «Rossi» in Livorno at a million filings). Keep in step with the other dialect's
-- migration.
CREATE INDEX registration_words_by_registration ON registration_words (registration_id, word);
