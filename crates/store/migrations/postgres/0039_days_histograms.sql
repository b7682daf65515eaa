-- Accountability (issue 19): each month's histogram of days kept whole on its month's row.
-- Keep in step with the other dialect's migration.
--
-- A dashboard over a period read every (service, month, days) row of the period: at ten million
-- cases about 120 distinct durations a service's month, twenty times the rows it read at a
-- thousand. The same histogram, as «days:cases» pairs joined by commas, now rides on the
-- month's row, set from `case_month_days` in the transaction that moves it: a period costs one
-- row per service and month, whatever the cases. `case_month_days` stays the histogram's
-- normalised form (the open-data dataset and the region's rollup read it).
ALTER TABLE case_months ADD COLUMN days_hist TEXT NOT NULL DEFAULT '';
ALTER TABLE region_case_months ADD COLUMN days_hist TEXT NOT NULL DEFAULT '';
UPDATE case_months SET days_hist = COALESCE((
    SELECT string_agg(CAST(d.days AS TEXT) || ':' || CAST(d.cases AS TEXT), ',' ORDER BY d.days)
    FROM case_month_days d
    WHERE d.ente_id = case_months.ente_id AND d.service_id = case_months.service_id
      AND d.month = case_months.month), '');
UPDATE region_case_months SET days_hist = COALESCE((
    SELECT string_agg(CAST(d.days AS TEXT) || ':' || CAST(d.cases AS TEXT), ',' ORDER BY d.days)
    FROM region_case_month_days d
    WHERE d.service_id = region_case_months.service_id AND d.month = region_case_months.month), '');
-- No dashboard reads the days rows by month any more.
DROP INDEX case_month_days_by_month;
DROP INDEX region_case_month_days_by_month;
-- The cases each service has open at each ente now (filings less conclusions), moved with the
-- month rows: what was open before a period is this less what the period's months and those
-- since opened, never a sum over the ente's whole history. The region's, rolled up with its
-- other sums.
CREATE TABLE case_open (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL,
    open BIGINT NOT NULL,
    PRIMARY KEY (ente_id, service_id)
);
INSERT INTO case_open (ente_id, service_id, open)
SELECT ente_id, service_id,
       SUM(filed_online + filed_assisted + filed_intermediary - decided - withdrawn)
FROM case_months GROUP BY ente_id, service_id;
CREATE TABLE region_case_open (
    service_id TEXT NOT NULL PRIMARY KEY,
    open BIGINT NOT NULL
);
-- As of the region's last rollup, like its other sums.
INSERT INTO region_case_open (service_id, open)
SELECT service_id, SUM(filed_online + filed_assisted + filed_intermediary - decided - withdrawn)
FROM region_case_months GROUP BY service_id;
