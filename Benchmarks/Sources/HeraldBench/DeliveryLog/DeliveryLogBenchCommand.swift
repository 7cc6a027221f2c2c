import ArgumentParser
import Foundation
import HeraldCore
import HeraldDelivery

/// `herald-bench delivery-log`: list latency of the embedded delivery log at a given size,
/// through the service's own SQLite store, write path and list query.
struct DeliveryLogBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery-log",
        abstract: "Fill a SQLite delivery log with many deliveries, then time the filtered lists a console asks for.",
        discussion: """
            Fills --path with --rows deliveries (DeliveryLogHistory: spread over --days, --endpoints, \
            --event-types and --sources) through DeliveryLog.record, the upsert the log's follower \
            applies, one transaction per --batch rows. A log already at --path is continued: rows are \
            the same for the same options, so an interrupted fill resumes and a full log is measured \
            again without refilling; --fill-limit-minutes stops a fill early and measures the deliveries \
            stored so far, filters drawn from the time they cover. Then each query shape runs --queries times through DeliveryLog.list \
            (what ListDeliveries calls, cursor pagination included) and the command prints each shape's \
            plan, p50, p99 and max, and the database's size. No Kafka is needed.
            """
    )

    @Option(help: "Deliveries the log holds.") var rows = 10_000_000
    @Option(help: "The SQLite file (default .herald/bench/delivery-log-<rows>.sqlite).") var path: String?
    @Option(help: "Rows per fill transaction.") var batch = 10_000
    @Option(help: "Endpoints the deliveries go to.") var endpoints = 100
    @Option(help: "Event types.") var eventTypes = 50
    @Option(help: "Event sources.") var sources = 1000
    @Option(help: "Days the update times span.") var days = 30
    @Option(help: "Repetitions of each query shape.") var queries = 200
    @Option(help: "Deliveries per page (ListDeliveries' default is 100, at most 1000).") var pageSize = 100
    @Option(help: "Seed of the random filters.") var seed: UInt64 = 1
    @Option(help: "Stop filling after this many minutes and measure the deliveries stored so far (the next run continues the fill).")
    var fillLimitMinutes: Double?

    func validate() throws {
        guard rows > 0, batch > 0, endpoints > 0, eventTypes > 0, sources > 0, days > 0, queries > 0 else {
            throw ValidationError("--rows, --batch, --endpoints, --event-types, --sources, --days and --queries must be positive")
        }
        guard (1...1000).contains(pageSize) else { throw ValidationError("--page-size must be 1 to 1000") }
        guard (fillLimitMinutes ?? 0) >= 0 else { throw ValidationError("--fill-limit-minutes must not be negative") }
    }

    /// Where every run's history ends: fixed, so a log filled once is the same log for every later run.
    static let historyEndMicros: Int64 = 1_767_225_600_000_000

    var history: DeliveryLogHistory {
        DeliveryLogHistory(
            rows: rows, endpoints: endpoints, eventTypes: eventTypes, sources: sources,
            endMicros: Self.historyEndMicros, spanMicros: Int64(days) * 86_400_000_000)
    }

    var databasePath: String { path ?? ".herald/bench/delivery-log-\(rows).sqlite" }

    func run() async throws {
        let history = self.history
        say("herald-bench delivery-log: \(rows) deliveries in \(databasePath) (SQLite), \(queries) repetitions per query shape, \(pageSize) per page")
        let log = try await DeliveryLog.open(SQLiteLogDatabase.open(path: databasePath))
        do {
            let stored = try await fill(log, history)
            say("database: \(stored) deliveries, \(Self.megabytes(databasePath)) (file and write-ahead log)")
            try await measure(log, history.covered(by: stored))
            await log.database.close()
        } catch {
            await log.database.close()
            throw error
        }
    }

    /// Fills the log up to `rows` (or until `--fill-limit-minutes`); returns how many it holds.
    private func fill(_ log: DeliveryLog, _ history: DeliveryLogHistory) async throws -> Int {
        let existing = try await Self.count(log)
        guard existing <= rows else {
            throw ValidationError("\(databasePath) holds \(existing) deliveries, more than --rows \(rows): give another --path")
        }
        if existing == rows {
            say("fill: the log already holds all \(rows) deliveries")
            return rows
        }
        if existing > 0 { say("fill: continuing after the \(existing) deliveries already there") }
        let clock = ContinuousClock(), start = clock.now
        let deadline = fillLimitMinutes.map { start + .milliseconds(Int64($0 * 60_000)) }
        let step = max(rows / 10, batch)
        var next = existing, reported = existing
        while next < rows {
            if let deadline, clock.now >= deadline {
                say("fill: stopped after --fill-limit-minutes at \(next) of \(rows) deliveries; measuring those")
                return next
            }
            let end = min(next + batch, rows)
            try await log.record((next..<end).map(history.record))
            next = end
            if next - reported >= step || next == rows {
                reported = next
                say("fill: \(next) of \(rows) (\(Self.perSecond(next - existing, clock.now - start)) rows/s)")
            }
        }
        say("fill: \(rows - existing) deliveries in \(start.duration(to: clock.now)), \(batch) per transaction through DeliveryLog.record")
        return rows
    }

    private func measure(_ log: DeliveryLog, _ history: DeliveryLogHistory) async throws {
        var random = SplitMix64(seed: seed)
        let clock = ContinuousClock()
        var table = ["| query | page | p50 ms | p99 ms | max ms | pages timed | plan |", "|---|---|---:|---:|---:|---:|---|"]
        for shape in DeliveryLogQueryShape.all {
            var latencies = QueryLatencies()
            var plan = ""
            for _ in 0..<queries {
                let filter = shape.filter(history, &random)
                var cursor: DeliveryCursor?
                var timedPages = 1
                switch shape.page {
                case .first: break
                case .deep: cursor = DeliveryLogQueryShape.deepCursor(history, filter, &random)
                case .following(let pages):
                    cursor = try await log.list(filter, after: nil, limit: pageSize).1
                    timedPages = pages - 1
                }
                if plan.isEmpty { plan = try await log.listPlan(filter, after: cursor, limit: pageSize).joined(separator: "; ") }
                for _ in 0..<timedPages {
                    guard shape.page == .first || cursor != nil else { break }
                    let start = clock.now
                    let (_, next) = try await log.list(filter, after: cursor, limit: pageSize)
                    latencies.add(start.duration(to: clock.now))
                    cursor = next
                }
            }
            let page = switch shape.page {
            case .first: "first"
            case .deep: "deep"
            case .following(let pages): "2-\(pages)"
            }
            func ms(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
            table.append("| \(shape.name) | \(page) | \(ms(latencies.percentile(50))) | \(ms(latencies.percentile(99))) | \(ms(latencies.maximum)) | \(latencies.count) | \(plan) |")
            say(table.last!)
        }
        say("")
        say(table.joined(separator: "\n"))
    }

    private static func count(_ log: DeliveryLog) async throws -> Int {
        guard case .integer(let count) = try await log.database.query(LogStatement("SELECT COUNT(*) AS count FROM deliveries")).first?["count"] else {
            return 0
        }
        return Int(count)
    }

    static func megabytes(_ path: String) -> String {
        let bytes = [path, path + "-wal"].compactMap { try? URL(fileURLWithPath: $0).resourceValues(forKeys: [.fileSizeKey]).fileSize }.reduce(0, +)
        return String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    static func perSecond(_ count: Int, _ elapsed: Duration) -> String {
        let (seconds, attoseconds) = elapsed.components
        return String(format: "%.0f", Double(count) / max(Double(seconds) + Double(attoseconds) / 1e18, 1e-9))
    }
}
