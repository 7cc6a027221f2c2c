import Foundation
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// A delivery log in PostgreSQL, which several delivery instances share (`--delivery-log postgres://…`).
public final class PostgresLogDatabase: LogDatabase {
    public var dialect: LogDialect { .postgres }
    private let client: PostgresClient
    private let connections: Task<Void, Never>
    private let logger: Logger

    /// Connects to `postgres://user:password@host:port/database` (`?sslmode=disable|require`, default disable).
    public init(url: String, logger: Logger) throws {
        let configuration = try Self.configuration(url)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        connections = Task { [client] in await client.run() }
        self.logger = logger
    }

    static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty
        else {
            throw DeliveryLogError("--delivery-log: '\(url)' is not postgres://user:password@host:port/database")
        }
        let database = String(parts.path.drop { $0 == "/" })
        let user = parts.user ?? "postgres"
        let tls: PostgresClient.Configuration.TLS
        switch parts.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        case let other: throw DeliveryLogError("--delivery-log: sslmode '\(other)' is not disable or require")
        }
        return PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: database.isEmpty ? user : database, tls: tls)
    }

    public func transaction(_ statements: [LogStatement]) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for statement in statements { _ = try await connection.query(Self.query(statement), logger: logger).collect() }
        }
    }

    public func query(_ statement: LogStatement) async throws -> [LogRow] {
        var rows: [LogRow] = []
        for try await row in try await client.query(Self.query(statement), logger: logger) {
            var values: LogRow = [:]
            for cell in row { values[cell.columnName] = try Self.value(cell) }
            rows.append(values)
        }
        return rows
    }

    public func close() async {
        connections.cancel()
        await connections.value
    }

    private static func query(_ statement: LogStatement) -> PostgresQuery {
        var binds = PostgresBindings(capacity: statement.binds.count)
        for value in statement.binds {
            switch value {
            case .integer(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let value): binds.append(ByteBuffer(bytes: value))
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: statement.sql, binds: binds)
    }

    private static func value(_ cell: PostgresCell) throws -> LogValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// A delivery log that cannot be opened or used as configured.
public struct DeliveryLogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
