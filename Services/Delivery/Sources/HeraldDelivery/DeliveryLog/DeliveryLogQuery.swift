/// Which deliveries a list shows; each `nil` matches everything.
public struct DeliveryFilter: Sendable, Hashable {
    public var endpointID: String?
    public var state: Int?
    public var eventType: String?
    public var eventSource: String?
    /// Updated at or after (µs since the epoch).
    public var sinceMicros: Int64?
    /// Updated before (µs since the epoch).
    public var untilMicros: Int64?

    public init(endpointID: String? = nil, state: Int? = nil, eventType: String? = nil, eventSource: String? = nil,
                sinceMicros: Int64? = nil, untilMicros: Int64? = nil) {
        self.endpointID = endpointID
        self.state = state
        self.eventType = eventType
        self.eventSource = eventSource
        self.sinceMicros = sinceMicros
        self.untilMicros = untilMicros
    }
}

/// The delivery log's queries as statements, built without I/O (the same SQL on both databases).
enum DeliveryLogQuery {
    static let deliveryColumns = "delivery_id, event_source, event_id, event_type, endpoint_id, route_id, state, attempts, last_status_code, last_error, updated_us, next_attempt_us"
    static let attemptColumns = "delivery_id, attempted_us, endpoint_id, state, attempts, status_code, duration_us, error, response_body, next_attempt_us"

    /// Conditions joined with AND, numbering placeholders as they are added.
    struct Conditions {
        var clauses: [String] = []
        var binds: [LogValue] = []

        mutating func add(_ clause: (String) -> String, _ value: LogValue) {
            binds.append(value)
            clauses.append(clause("$\(binds.count)"))
        }

        mutating func add(_ clause: (String, String) -> String, _ first: LogValue, _ second: LogValue) {
            binds.append(first)
            binds.append(second)
            clauses.append(clause("$\(binds.count - 1)", "$\(binds.count)"))
        }

        var sql: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }
        var nextPlaceholder: String { "$\(binds.count + 1)" }
    }

    /// One page of deliveries, most recently updated first, after `cursor`; asks for one row more
    /// than `limit` so the caller knows whether another page follows.
    static func list(_ filter: DeliveryFilter, after cursor: DeliveryCursor?, limit: Int, _ dialect: LogDialect) -> LogStatement {
        var conditions = Conditions()
        if let value = filter.endpointID { conditions.add({ "endpoint_id = \($0)" }, .text(value)) }
        if let value = filter.state { conditions.add({ "state = \($0)" }, .integer(Int64(value))) }
        if let value = filter.eventType { conditions.add({ "event_type = \($0)" }, .text(value)) }
        if let value = filter.eventSource { conditions.add({ "event_source = \($0)" }, .text(value)) }
        if let value = filter.sinceMicros { conditions.add({ "updated_us >= \($0)" }, .integer(value)) }
        if let bound = upperBound(until: filter.untilMicros, cursor: cursor) {
            conditions.add({ "(updated_us, delivery_id) < (\($0), \($1))" }, .integer(bound.updatedMicros), .text(bound.deliveryID))
        } else if let value = filter.untilMicros {
            conditions.add({ "updated_us < \($0)" }, .integer(value))
        }
        let limitPlaceholder = conditions.nextPlaceholder
        let table = dialect == .sqlite ? "deliveries INDEXED BY \(index(for: filter))" : "deliveries"
        return LogStatement(
            "SELECT \(deliveryColumns) FROM \(table)\(conditions.sql) ORDER BY updated_us DESC, delivery_id DESC LIMIT \(limitPlaceholder)",
            conditions.binds + [.integer(Int64(limit + 1))])
    }

    /// The index SQLite reads a list through. Each ends with the list order, so a page reads from
    /// its first row on; SQLite is told which one because, planning without statistics, it has
    /// picked the state index for an endpoint's dead deliveries after a cursor, filtering a
    /// hundred endpoints' rows. An endpoint's deliveries in a state are the narrowest; then an
    /// endpoint, an event type or a source (one among many); a state (a few, most deliveries in
    /// one) only alone. PostgreSQL plans with its own statistics.
    static func index(for filter: DeliveryFilter) -> String {
        if filter.endpointID != nil { return filter.state != nil ? "deliveries_by_endpoint_state" : "deliveries_by_endpoint" }
        if filter.eventType != nil { return "deliveries_by_type" }
        if filter.eventSource != nil { return "deliveries_by_source" }
        if filter.state != nil { return "deliveries_by_state" }
        return "deliveries_by_time"
    }

    /// Where a next page ends, as one position: the cursor, or `until` when that is lower
    /// (`updated_us < until` is `(updated_us, delivery_id) < (until, '')`, no id being below the
    /// empty one). Databases search an index by one upper bound and check a second one row by row,
    /// so with both a page deep in a long time range would read every row from `until` down to the cursor.
    static func upperBound(until: Int64?, cursor: DeliveryCursor?) -> DeliveryCursor? {
        guard let cursor else { return nil }
        guard let until, until <= cursor.updatedMicros else { return cursor }
        return DeliveryCursor(updatedMicros: until, deliveryID: "")
    }

    /// Deliveries updated after a position, oldest first: what a watcher resuming from a time missed.
    static func updated(endpointID: String?, after position: DeliveryCursor, limit: Int) -> LogStatement {
        var conditions = Conditions()
        if let endpointID { conditions.add({ "endpoint_id = \($0)" }, .text(endpointID)) }
        conditions.add({ "(updated_us, delivery_id) > (\($0), \($1))" }, .integer(position.updatedMicros), .text(position.deliveryID))
        let limitPlaceholder = conditions.nextPlaceholder
        return LogStatement(
            "SELECT \(deliveryColumns) FROM deliveries\(conditions.sql) ORDER BY updated_us, delivery_id LIMIT \(limitPlaceholder)",
            conditions.binds + [.integer(Int64(limit))])
    }

    /// The rows of these deliveries (those the log holds), in no particular order.
    static func deliveries(ids: [String]) -> LogStatement {
        let placeholders = ids.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        return LogStatement("SELECT \(deliveryColumns) FROM deliveries WHERE delivery_id IN (\(placeholders))", ids.map { .text($0) })
    }

    static func deliveries(eventSource: String, eventID: String) -> LogStatement {
        LogStatement("SELECT \(deliveryColumns) FROM deliveries WHERE event_source = $1 AND event_id = $2 ORDER BY endpoint_id, delivery_id",
                     [.text(eventSource), .text(eventID)])
    }

    static func attempts(deliveryID: String) -> LogStatement {
        LogStatement("SELECT \(attemptColumns) FROM attempts WHERE delivery_id = $1 ORDER BY attempted_us", [.text(deliveryID)])
    }

    /// Dead letters still to redrive (a task is kept and the delivery is DEAD), newest first.
    static func deadLetters(endpointID: String?, sinceMicros: Int64?, limit: Int) -> LogStatement {
        var conditions = Conditions()
        conditions.clauses.append("d.state = \(DeliveryLogRows.deadState)")
        if let endpointID { conditions.add({ "l.endpoint_id = \($0)" }, .text(endpointID)) }
        if let sinceMicros { conditions.add({ "l.dead_us >= \($0)" }, .integer(sinceMicros)) }
        let columns = deliveryColumns.split(separator: ", ").map { "d.\($0)" }.joined(separator: ", ")
        let limitPlaceholder = conditions.nextPlaceholder
        return LogStatement(
            "SELECT \(columns), l.task FROM dead_letters l JOIN deliveries d ON d.delivery_id = l.delivery_id\(conditions.sql) ORDER BY l.dead_us DESC, l.delivery_id DESC LIMIT \(limitPlaceholder)",
            conditions.binds + [.integer(Int64(limit))])
    }

    static func deadLetterTask(deliveryID: String) -> LogStatement {
        LogStatement("SELECT task FROM dead_letters WHERE delivery_id = $1", [.text(deliveryID)])
    }

    /// Attempt counts of an endpoint since a time: all, answered 2xx, and those that made a request.
    static func healthCounts(endpointID: String, sinceMicros: Int64) -> LogStatement {
        LogStatement("""
            SELECT COUNT(*) AS attempts, SUM(CASE WHEN status_code BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS succeeded, \
            SUM(CASE WHEN duration_us > 0 THEN 1 ELSE 0 END) AS timed FROM attempts WHERE endpoint_id = $1 AND attempted_us >= $2
            """, [.text(endpointID), .integer(sinceMicros)])
    }

    /// The request duration at a 0-based rank, shortest first, among the window's requests.
    static func duration(endpointID: String, sinceMicros: Int64, rank: Int) -> LogStatement {
        LogStatement(
            "SELECT duration_us FROM attempts WHERE endpoint_id = $1 AND attempted_us >= $2 AND duration_us > 0 ORDER BY duration_us LIMIT 1 OFFSET $3",
            [.text(endpointID), .integer(sinceMicros), .integer(Int64(rank))])
    }

    /// The window's request durations with their times, oldest first, at most `limit`.
    static func durations(endpointID: String, sinceMicros: Int64, limit: Int) -> LogStatement {
        LogStatement(
            "SELECT attempted_us, duration_us FROM attempts WHERE endpoint_id = $1 AND attempted_us >= $2 AND duration_us > 0 ORDER BY attempted_us LIMIT $3",
            [.text(endpointID), .integer(sinceMicros), .integer(Int64(limit))])
    }

    static func lastError(endpointID: String, sinceMicros: Int64) -> LogStatement {
        LogStatement(
            "SELECT error, attempted_us FROM attempts WHERE endpoint_id = $1 AND attempted_us >= $2 AND error <> '' ORDER BY attempted_us DESC LIMIT 1",
            [.text(endpointID), .integer(sinceMicros)])
    }

    static func offsets() -> LogStatement {
        LogStatement("SELECT topic, kafka_partition, next_offset FROM log_offsets")
    }

    /// Everything older than the retention: deliveries last updated, attempts made and letters dead before `micros`.
    static func prune(before micros: Int64) -> [LogStatement] {
        [
            LogStatement("DELETE FROM attempts WHERE attempted_us < $1", [.integer(micros)]),
            LogStatement("DELETE FROM dead_letters WHERE dead_us < $1", [.integer(micros)]),
            LogStatement("DELETE FROM deliveries WHERE updated_us < $1", [.integer(micros)]),
        ]
    }
}
