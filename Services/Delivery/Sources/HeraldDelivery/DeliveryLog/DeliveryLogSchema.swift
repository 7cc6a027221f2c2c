/// The delivery log's tables and indexes, created if missing when a log opens.
///
/// `deliveries` holds each delivery's latest state; `attempts` every attempt; `dead_letters` the
/// task of every delivery dead-lettered and not redriven since (what `Redrive` sends again);
/// `log_offsets` the next offset of every topic partition applied, written in the same
/// transaction as the rows, so a restarted log continues where it stopped.
///
/// Times are microseconds since the Unix epoch. The list indexes lead with each filter column and
/// end with the list order (`updated_us`, `delivery_id`), so a filtered page reads only its rows.
enum DeliveryLogSchema {
    static func statements(_ dialect: LogDialect) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS deliveries (
              delivery_id TEXT PRIMARY KEY, event_source TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
              endpoint_id TEXT NOT NULL, route_id TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL,
              last_status_code INTEGER NOT NULL, last_error TEXT NOT NULL, updated_us BIGINT NOT NULL, next_attempt_us BIGINT)
            """,
            "CREATE INDEX IF NOT EXISTS deliveries_by_time ON deliveries (updated_us, delivery_id)",
            "CREATE INDEX IF NOT EXISTS deliveries_by_endpoint ON deliveries (endpoint_id, updated_us, delivery_id)",
            "CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (state, updated_us, delivery_id)",
            // An endpoint's deliveries in a rare state (its dead or retrying ones) without scanning all of them.
            "CREATE INDEX IF NOT EXISTS deliveries_by_endpoint_state ON deliveries (endpoint_id, state, updated_us, delivery_id)",
            "CREATE INDEX IF NOT EXISTS deliveries_by_type ON deliveries (event_type, updated_us, delivery_id)",
            "CREATE INDEX IF NOT EXISTS deliveries_by_source ON deliveries (event_source, updated_us, delivery_id)",
            "CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (event_source, event_id)",
            """
            CREATE TABLE IF NOT EXISTS attempts (
              delivery_id TEXT NOT NULL, attempted_us BIGINT NOT NULL, endpoint_id TEXT NOT NULL, state INTEGER NOT NULL,
              attempts INTEGER NOT NULL, status_code INTEGER NOT NULL, duration_us BIGINT NOT NULL, error TEXT NOT NULL,
              response_body \(dialect.blobType) NOT NULL, next_attempt_us BIGINT, PRIMARY KEY (delivery_id, attempted_us))
            """,
            "CREATE INDEX IF NOT EXISTS attempts_by_endpoint ON attempts (endpoint_id, attempted_us)",
            """
            CREATE TABLE IF NOT EXISTS dead_letters (
              delivery_id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, dead_us BIGINT NOT NULL, task \(dialect.blobType) NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS dead_letters_by_endpoint ON dead_letters (endpoint_id, dead_us)",
            "CREATE INDEX IF NOT EXISTS dead_letters_by_time ON dead_letters (dead_us)",
            """
            CREATE TABLE IF NOT EXISTS log_offsets (
              topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, next_offset BIGINT NOT NULL, PRIMARY KEY (topic, kafka_partition))
            """,
        ]
    }
}
