/// A value bound to or read from a delivery-log statement: the few types the log stores, the
/// same for SQLite and PostgreSQL, so that statements are written once for both.
public enum LogValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
    var blob: [UInt8]? { if case .blob(let value) = self { value } else { nil } }
}

/// SQL with `$1`, `$2`, … placeholders, each first used in increasing order: PostgreSQL numbers
/// them itself, and SQLite numbers such named parameters by first appearance, so one text binds
/// the same way on both.
public struct LogStatement: Sendable, Hashable {
    public var sql: String
    public var binds: [LogValue]

    public init(_ sql: String, _ binds: [LogValue] = []) {
        self.sql = sql
        self.binds = binds
    }
}

/// A result row by column name.
public typealias LogRow = [String: LogValue]

/// Where the SQL of the two databases differs.
public enum LogDialect: Sendable, Hashable {
    case sqlite
    case postgres

    var blobType: String { self == .sqlite ? "BLOB" : "BYTEA" }
}

/// A database holding a delivery log: the one thing each backend implements.
public protocol LogDatabase: Sendable {
    var dialect: LogDialect { get }
    /// Runs the statements in one transaction: all of them or none.
    func transaction(_ statements: [LogStatement]) async throws
    func query(_ statement: LogStatement) async throws -> [LogRow]
    func close() async
}
