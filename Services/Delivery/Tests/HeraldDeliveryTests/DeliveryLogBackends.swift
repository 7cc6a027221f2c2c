import Foundation
@testable import HeraldDelivery
import HeraldTestSupport
import Logging

/// The databases the delivery-log suites run against: a real SQLite file always, and a real
/// PostgreSQL server when `HERALD_TEST_POSTGRES_URL` names one (`make test` starts one with
/// `scripts/postgres.sh` and exports it), each test in a database of its own.
enum LogBackend: String, CustomStringConvertible, Sendable, CaseIterable {
    case sqlite
    case postgres

    static let postgresURL = ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static var available: [LogBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var description: String { rawValue }

    /// A fresh, empty log location: a new SQLite file path, or a new PostgreSQL database's URL.
    func freshLocation() async throws -> String {
        switch self {
        case .sqlite:
            return TestEnvironment.temporaryDirectory("delivery-log") + "/delivery-log.sqlite"
        case .postgres:
            let base = LogBackend.postgresURL!
            let name = "herald_test_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try PostgresLogDatabase(url: base, logger: TestEnvironment.logger)
            _ = try await admin.query(LogStatement("CREATE DATABASE \(name)"))
            await admin.close()
            var parts = URLComponents(string: base)!
            parts.path = "/" + name
            return parts.string!
        }
    }

    func open(_ location: String) async throws -> DeliveryLog {
        switch self {
        case .sqlite: try await DeliveryLog.open(SQLiteLogDatabase.open(path: location))
        case .postgres: try await DeliveryLog.open(PostgresLogDatabase(url: location, logger: TestEnvironment.logger))
        }
    }
}

extension DeliveryLog {
    /// Every row of every table, in a fixed order: what two logs are compared by.
    func dump() async throws -> [String] {
        var lines: [String] = []
        for (table, order) in [("deliveries", "delivery_id"), ("attempts", "delivery_id, attempted_us"), ("dead_letters", "delivery_id")] {
            for row in try await database.query(LogStatement("SELECT * FROM \(table) ORDER BY \(order)")) {
                lines.append(table + ": " + row.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
        }
        return lines
    }
}
