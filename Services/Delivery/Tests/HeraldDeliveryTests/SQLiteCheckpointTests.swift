import Foundation
@testable import HeraldDelivery
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

/// The SQLite log's writer checkpoints only after `SQLiteLogDatabase.checkpointPages` pages, not
/// SQLite's 1,000: its write-ahead log grows past 1,000 pages before it starts over.
struct SQLiteCheckpointTests {
    @Test func theWriteAheadLogGrowsPastSQLitesDefaultCheckpoint() async throws {
        let path = TestEnvironment.temporaryDirectory("delivery-log") + "/delivery-log.sqlite"
        let log = try await DeliveryLog.open(SQLiteLogDatabase.open(path: path))
        let defaultCheckpointBytes = 1000 * 4096
        for batch in 0..<20 {
            try await log.record((0..<1000).map { index in
                let number = batch * 1000 + index
                return .with {
                    $0.deliveryID = "dlv_\(String(UInt64(number).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15).low, radix: 16))"
                    $0.eventSource = "/source-\(number % 97)"
                    $0.eventID = "evt-\(number)"
                    $0.eventType = "type-\(number % 13)"
                    $0.endpointID = "ep-\(number % 31)"
                    $0.routeID = "route"
                    $0.state = .succeeded
                    $0.updatedAt = DeliveryLogRows.timestamp(Int64(number))
                }
            })
        }
        let walBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        await log.database.close()
        #expect(walBytes > 2 * defaultCheckpointBytes, "the write-ahead log was \(walBytes) bytes")
        #expect(walBytes < (SQLiteLogDatabase.checkpointPages + 2000) * 4096)
    }
}
