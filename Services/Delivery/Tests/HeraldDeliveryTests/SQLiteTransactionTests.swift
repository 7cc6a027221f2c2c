import Foundation
@testable import HeraldDelivery
import HeraldTestSupport
import Testing

/// Transactions given to the SQLite log at the same time — the follower's batches, retention's
/// prune, a rebuild's reset — each run whole, one after another, on its one writing connection.
struct SQLiteTransactionTests {
    @Test func transactionsStartedTogetherEachCommitWhole() async throws {
        let path = TestEnvironment.temporaryDirectory("delivery-log") + "/transactions.sqlite"
        let database = try await SQLiteLogDatabase.open(path: path)
        try await database.transaction([LogStatement("CREATE TABLE marks (writer INTEGER, mark INTEGER)")])
        let writers = 40, marks = 5

        let failures = await withTaskGroup(of: String?.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let inserts = (0..<marks).map {
                        LogStatement("INSERT INTO marks (writer, mark) VALUES ($1, $2)", [.integer(Int64(writer)), .integer(Int64($0))])
                    }
                    do {
                        try await database.transaction(inserts)
                        return nil
                    } catch {
                        return "writer \(writer): \(error)"
                    }
                }
            }
            return await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
        }
        let rows = try await database.query(LogStatement("SELECT COUNT(*) AS marks FROM marks"))
        await database.close()

        #expect(failures.isEmpty, "\(failures.count) transactions failed, the first: \(failures.first ?? "")")
        #expect(rows.first?["marks"] == .integer(Int64(writers * marks)))
    }
}
