import Foundation
@testable import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

/// A follower batch becomes few statements that leave the rows the one-by-one statements would.
struct LogBatchTests {
    static func state(_ id: String, _ state: Herald_V1_DeliveryState, micros: Int64) -> LogEntry {
        .delivery(.with {
            $0.deliveryID = id
            $0.state = state
            $0.updatedAt = DeliveryLogRows.timestamp(micros)
        })
    }

    static func attempt(_ id: String, micros: Int64) -> LogEntry {
        .attempt(.with { $0.deliveryID = id; $0.attemptedAt = DeliveryLogRows.timestamp(micros) })
    }

    @Test func onlyTheNewestStateOfEachDeliveryIsKeptTheLaterOfEquallyNewOnes() {
        let entries: [LogEntry] = [
            Self.state("a", .pending, micros: 1), Self.attempt("a", micros: 2), Self.state("b", .retrying, micros: 5),
            Self.state("a", .succeeded, micros: 3), Self.state("b", .pending, micros: 4),
            Self.state("c", .pending, micros: 7), Self.state("c", .dead, micros: 7),
        ]
        #expect(LogBatch.latestStates(entries) == [
            Self.attempt("a", micros: 2), Self.state("b", .retrying, micros: 5), Self.state("a", .succeeded, micros: 3),
            Self.state("c", .dead, micros: 7),
        ])
    }

    @Test func aBatchIsOneStatementPerTableAndChunkNotOnePerRecord() {
        let count = LogBatch.rowsPerStatement + 10
        let task = Herald_V1_DeliveryTask.with { $0.deliveryID = "d-0"; $0.endpointID = "e" }
        let entries = (0..<count).flatMap { index in
            [Self.state("d-\(index)", .pending, micros: 1), Self.state("d-\(index)", .succeeded, micros: 2), Self.attempt("d-\(index)", micros: 2)]
        } + [LogEntry.deadLetter(task, deadMicros: 3)]

        let statements = LogBatch.statements(entries)
        #expect(statements.count == 5, "two delivery upserts, two attempt inserts, one dead letter")
        #expect(statements.map(\.binds.count) == [12 * LogBatch.rowsPerStatement, 12 * 10, 10 * LogBatch.rowsPerStatement, 10 * 10, 4])
        #expect(statements[0].sql.hasPrefix("INSERT INTO deliveries"))
        #expect(statements[0].sql.contains("($13, $14,"))
        #expect(statements[0].sql.contains("$\(12 * LogBatch.rowsPerStatement))"))
        #expect(!statements[0].sql.contains("$\(12 * LogBatch.rowsPerStatement + 1)"))
        #expect(statements[2].sql.hasPrefix("INSERT INTO attempts"))
        #expect(statements[4].sql.hasPrefix("INSERT INTO dead_letters"))
    }

    @Test func theOffsetsOfABatchAreOneStatementInTopicAndPartitionOrder() {
        let offsets = [
            TopicPartitionOffset(TopicPartition(topic: "status", partition: 1), offset: 7),
            TopicPartitionOffset(TopicPartition(topic: "attempts", partition: 2), offset: 9),
            TopicPartitionOffset(TopicPartition(topic: "status", partition: 0), offset: 5),
        ]
        let statements = LogBatch.offsets(offsets)
        #expect(statements.count == 1)
        #expect(statements[0].sql.hasPrefix("INSERT INTO log_offsets (topic, kafka_partition, next_offset) VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9) ON CONFLICT"))
        #expect(statements[0].binds == [.text("attempts"), .integer(2), .integer(9), .text("status"), .integer(0), .integer(5), .text("status"), .integer(1), .integer(7)])
        #expect(LogBatch.offsets([]).isEmpty)
        let many = (0..<(LogBatch.rowsPerStatement + 1)).map { TopicPartitionOffset(TopicPartition(topic: "t", partition: Int32($0)), offset: 1) }
        #expect(LogBatch.offsets(many).map(\.binds.count) == [3 * LogBatch.rowsPerStatement, 3])
    }

    @Test func placeholdersNumberEveryBindOfEveryRowInOrder() {
        #expect(LogBatch.placeholders([[.null, .null], [.null, .null], [.null, .null]]) == "($1, $2), ($3, $4), ($5, $6)")
    }
}
