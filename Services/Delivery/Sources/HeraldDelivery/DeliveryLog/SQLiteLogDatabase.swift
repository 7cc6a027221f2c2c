import Foundation
import NIOCore
import SQLiteNIO

/// The embedded delivery log: one SQLite file in write-ahead-log mode, one connection writing
/// (the log's follower) and one reading (queries), so queries never wait for a refill batch.
public final class SQLiteLogDatabase: LogDatabase {
    public var dialect: LogDialect { .sqlite }
    public let path: String
    private let writer: SerializedSQLite
    private let reader: SerializedSQLite

    private init(path: String, writer: SerializedSQLite, reader: SerializedSQLite) {
        self.path = path
        self.writer = writer
        self.reader = reader
    }

    /// Pages written to the write-ahead log between two checkpoints (of SQLite's 4 KiB pages).
    static let checkpointPages = 10_000

    /// Opens (creating it and its folder if missing) the log file at `path`.
    public static func open(path: String) async throws -> SQLiteLogDatabase {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let writer = try await SerializedSQLite(path: path)
        // WAL: readers see the last committed transaction while the writer works; NORMAL sync is
        // durable at checkpoints, and a lost tail is refilled from the topics (log_offsets lags with it).
        // A checkpoint every `checkpointPages` written pages instead of SQLite's 1,000: each one copies
        // the log's pages into the database and syncs it, and the follower's batches dirty the same
        // index pages again and again, so fewer checkpoints write each page fewer times. The
        // write-ahead log grows on disk to about that many pages (40 MB), not in memory.
        _ = try await writer.run([
            LogStatement("PRAGMA journal_mode=WAL"), LogStatement("PRAGMA synchronous=NORMAL"),
            LogStatement("PRAGMA wal_autocheckpoint=\(checkpointPages)"),
        ], transaction: false)
        let reader = try await SerializedSQLite(path: path)
        return SQLiteLogDatabase(path: path, writer: writer, reader: reader)
    }

    public func transaction(_ statements: [LogStatement]) async throws {
        _ = try await writer.run(statements, transaction: true)
    }

    public func query(_ statement: LogStatement) async throws -> [LogRow] {
        try await reader.run([statement], transaction: false)
    }

    public func close() async {
        await reader.close()
        await writer.close()
    }
}

/// One SQLite connection, one statement sequence at a time: a transaction must not interleave with
/// another caller's. Being an actor is not enough for that — each statement is awaited, and an actor
/// takes the next caller in at every await, so a second `BEGIN` would meet the first's open
/// transaction ("cannot start a transaction within a transaction") and its `ROLLBACK` end it.
/// Each sequence therefore waits for the one before it to finish.
private actor SerializedSQLite {
    private let connection: SQLiteConnection
    /// The sequence last given: the next one starts when it has finished.
    private var last: Task<[LogRow], any Error>?

    init(path: String) async throws {
        connection = try await SQLiteConnection.open(storage: .file(path: path))
    }

    /// The rows of the last statement, run after every sequence given before.
    func run(_ statements: [LogStatement], transaction: Bool) async throws -> [LogRow] {
        let previous = last
        let sequence = Task {
            _ = await previous?.result
            return try await self.runAlone(statements, transaction: transaction)
        }
        last = sequence
        return try await sequence.value
    }

    private func runAlone(_ statements: [LogStatement], transaction: Bool) async throws -> [LogRow] {
        if transaction { _ = try await connection.query("BEGIN IMMEDIATE", []) }
        do {
            var rows: [SQLiteRow] = []
            for statement in statements {
                rows = try await connection.query(SQLiteParameters.numbered(statement.sql), statement.binds.map(Self.sqlite))
            }
            if transaction { _ = try await connection.query("COMMIT", []) }
            return rows.map(Self.row)
        } catch {
            if transaction { _ = try? await connection.query("ROLLBACK", []) }
            throw error
        }
    }

    func close() async {
        try? await connection.close()
    }

    private static func sqlite(_ value: LogValue) -> SQLiteData {
        switch value {
        case .integer(let value): .integer(Int(value))
        case .text(let value): .text(value)
        case .blob(let value): .blob(ByteBuffer(bytes: value))
        case .null: .null
        }
    }

    private static func row(_ row: SQLiteRow) -> LogRow {
        var values: LogRow = [:]
        for column in row.columns {
            values[column.name] = switch column.data {
            case .integer(let value): .integer(Int64(value))
            case .float(let value): .integer(Int64(value))
            case .text(let value): .text(value)
            case .blob(let buffer): .blob(Array(buffer.readableBytesView))
            case .null: .null
            }
        }
        return values
    }
}
