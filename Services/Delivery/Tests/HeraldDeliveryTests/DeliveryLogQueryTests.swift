import Foundation
import HeraldCore
@testable import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

/// The delivery log's pure parts: filters to SQL, cursors, health arithmetic, retention, topic records.
@Suite struct DeliveryLogQueryTests {
    @Test func anEmptyFilterListsEverythingNewestFirstAskingForOneRowMore() {
        let statement = DeliveryLogQuery.list(DeliveryFilter(), after: nil, limit: 50, .postgres)
        #expect(statement.sql.hasSuffix("FROM deliveries ORDER BY updated_us DESC, delivery_id DESC LIMIT $1"))
        #expect(statement.binds == [.integer(51)])
        #expect(DeliveryLogQuery.list(DeliveryFilter(), after: nil, limit: 50, .sqlite).sql
            .hasSuffix("FROM deliveries INDEXED BY deliveries_by_time ORDER BY updated_us DESC, delivery_id DESC LIMIT $1"))
    }

    @Test func sqliteReadsAnEndpointsStateThenAnEndpointThenATypeOrSourceThenAState() {
        let cases: [(DeliveryFilter, String)] = [
            (DeliveryFilter(), "deliveries_by_time"),
            (DeliveryFilter(sinceMicros: 1, untilMicros: 2), "deliveries_by_time"),
            (DeliveryFilter(endpointID: "e"), "deliveries_by_endpoint"),
            (DeliveryFilter(endpointID: "e", eventType: "t", eventSource: "s"), "deliveries_by_endpoint"),
            (DeliveryFilter(endpointID: "e", state: 4, eventType: "t"), "deliveries_by_endpoint_state"),
            (DeliveryFilter(state: 4, eventType: "t"), "deliveries_by_type"),
            (DeliveryFilter(state: 4, eventSource: "s"), "deliveries_by_source"),
            (DeliveryFilter(eventType: "t", eventSource: "s"), "deliveries_by_type"),
            (DeliveryFilter(state: 4, sinceMicros: 1), "deliveries_by_state"),
        ]
        for (filter, index) in cases {
            #expect(DeliveryLogQuery.index(for: filter) == index, "\(filter)")
        }
    }

    @Test func everyFilterAndTheCursorBecomeNumberedConditionsInOrder() {
        let filter = DeliveryFilter(endpointID: "hook", state: 4, eventType: "t", eventSource: "/s", sinceMicros: 10, untilMicros: 20)
        let statement: LogStatement = DeliveryLogQuery.list(filter, after: DeliveryCursor(updatedMicros: 15, deliveryID: "d-9"), limit: 10, .postgres)
        let binds: [LogValue] = [.text("hook"), .integer(4), .text("t"), .text("/s"), .integer(10), .integer(15), .text("d-9"), .integer(11)]
        #expect(statement.sql.contains(
            " WHERE endpoint_id = $1 AND state = $2 AND event_type = $3 AND event_source = $4 AND updated_us >= $5 AND (updated_us, delivery_id) < ($6, $7) ORDER BY"))
        #expect(statement.sql.hasSuffix("LIMIT $8"))
        #expect(statement.binds == binds)
        let firstPage = DeliveryLogQuery.list(DeliveryFilter(untilMicros: 20), after: nil, limit: 10, .postgres)
        #expect(firstPage.sql.contains(" WHERE updated_us < $1 ORDER BY"))
    }

    /// A next page has one upper bound, the lower of its cursor and `until`, so the index search
    /// starts at the page's first row (with two, SQLite starts at `until` and skips down to the cursor).
    @Test func aNextPageIsBoundedByTheLowerOfItsCursorAndUntil() {
        let cursor = DeliveryCursor(updatedMicros: 15, deliveryID: "d-9")
        #expect(DeliveryLogQuery.upperBound(until: nil, cursor: nil) == nil)
        #expect(DeliveryLogQuery.upperBound(until: 20, cursor: nil) == nil)
        #expect(DeliveryLogQuery.upperBound(until: nil, cursor: cursor) == cursor)
        #expect(DeliveryLogQuery.upperBound(until: 16, cursor: cursor) == cursor)
        #expect(DeliveryLogQuery.upperBound(until: 15, cursor: cursor) == DeliveryCursor(updatedMicros: 15, deliveryID: ""))
        #expect(DeliveryLogQuery.upperBound(until: 3, cursor: cursor) == DeliveryCursor(updatedMicros: 3, deliveryID: ""))
    }

    @Test func deadLettersJoinTheirDeliveryAndFilterByEndpointAndTime() {
        let statement = DeliveryLogQuery.deadLetters(endpointID: "hook", sinceMicros: 5, limit: 7)
        #expect(statement.sql.contains("JOIN deliveries d ON d.delivery_id = l.delivery_id WHERE d.state = 4 AND l.endpoint_id = $1 AND l.dead_us >= $2"))
        #expect(statement.binds == [.text("hook"), .integer(5), .integer(7)])
    }

    @Test func entriesApplyInLockOrderKeepingTheOrderOfEachRow() {
        let task = Herald_V1_DeliveryTask.with { $0.deliveryID = "d-1"; $0.endpointID = "e" }
        let attempt = { (id: String, micros: Int64) in
            LogEntry.attempt(.with { $0.deliveryID = id; $0.attemptedAt = DeliveryLogRows.timestamp(micros) })
        }
        let delivery = { (id: String) in LogEntry.delivery(.with { $0.deliveryID = id }) }
        let entries: [LogEntry] = [
            .redriven(deliveryID: "d-2"), attempt("d-2", 5), .deadLetter(task, deadMicros: 1), delivery("d-2"),
            attempt("d-1", 9), .redriven(deliveryID: "d-1"), delivery("d-1"), attempt("d-1", 3),
        ]
        #expect(LogEntry.inLockOrder(entries) == [
            delivery("d-1"), delivery("d-2"), attempt("d-1", 3), attempt("d-1", 9), attempt("d-2", 5),
            .deadLetter(task, deadMicros: 1), .redriven(deliveryID: "d-1"), .redriven(deliveryID: "d-2"),
        ])
    }

    @Test func aCursorSurvivesItsTokenAndAForeignTokenIsRefused() throws {
        let cursor = DeliveryCursor(updatedMicros: 1_700_000_000_123_456, deliveryID: "d:with:colons/+")
        let token: String = cursor.token
        #expect(!token.contains("="))
        #expect(!token.contains("+"))
        #expect(!token.contains("/"))
        #expect(try DeliveryCursor(token: cursor.token) == cursor)
        for bad in ["", "!!!", Data("v2:1:d".utf8).base64EncodedString(), Data("v1:x:d".utf8).base64EncodedString(), Data("v1:1:".utf8).base64EncodedString()] {
            #expect(throws: DeliveryAPIError.self) { try DeliveryCursor(token: bad) }
        }
    }

    @Test func percentileRanksAreNearestRankAndSuccessRateIsAShare() {
        #expect(EndpointHealth.rank(percentile: 50, of: 0) == nil)
        #expect(EndpointHealth.rank(percentile: 50, of: 1) == 0)
        #expect(EndpointHealth.rank(percentile: 99, of: 1) == 0)
        #expect(EndpointHealth.rank(percentile: 50, of: 10) == 4)
        #expect(EndpointHealth.rank(percentile: 99, of: 10) == 9)
        #expect(EndpointHealth.rank(percentile: 99, of: 1000) == 989)
        #expect(EndpointHealth(attempts: 4, succeeded: 3, timed: 4).successRate == 0.75)
        #expect(EndpointHealth(attempts: 0, succeeded: 0, timed: 0).successRate == 0)
        #expect(EndpointHealth.circuit(nil) == .closed)
        #expect(EndpointHealth.circuit(.open(until: .now)) == .open)
        #expect(EndpointHealth.circuit(.halfOpen(probing: true)) == .halfOpen)
    }

    @Test func retentionParsesWholeUnitsAndRefusesTheRest() throws {
        #expect(try DeliveryLogRetention.parse("30d") == .seconds(30 * 86_400))
        #expect(try DeliveryLogRetention.parse("12h") == .seconds(12 * 3_600))
        #expect(try DeliveryLogRetention.parse("90m") == .seconds(90 * 60))
        #expect(try DeliveryLogRetention.parse("45s") == .seconds(45))
        for bad in ["", "d", "0d", "-1h", "1.5h", "10", "10w", "99999999999999999d"] {
            #expect(throws: DeliveryLogError.self) { try DeliveryLogRetention.parse(bad) }
        }
    }

    @Test func retentionConfiguresTheTopicsAndTheLogsCutoff() {
        let retention = DeliveryLogRetention(retention: .seconds(2 * 86_400))
        let configs = Dictionary(uniqueKeysWithValues: retention.topicConfigs(DeliveryTopics()).map { ($0.topic, $0.configs) })
        #expect(configs["herald.deliveries.dlq"] == ["cleanup.policy": "compact,delete", "retention.ms": "172800000"])
        #expect(configs["herald.delivery-status"] == ["cleanup.policy": "compact,delete", "retention.ms": "172800000"])
        #expect(configs["herald.delivery-attempts"] == ["cleanup.policy": "delete", "retention.ms": "172800000"])
        #expect(retention.cutoff(now: Date(timeIntervalSince1970: 3 * 86_400)) == 86_400 * 1_000_000)
        #expect(retention.interval == .seconds(3600))
        #expect(DeliveryLogRetention(retention: .seconds(60)).interval == .seconds(2.5))
    }

    @Test func topicRecordsBecomeEntriesAndATombstoneRedrivesTheDeadLetter() throws {
        let topics = DeliveryLogTopics(DeliveryTopics())
        let task = Herald_V1_DeliveryTask.with { $0.deliveryID = "d-1"; $0.endpointID = "hook" }
        let dead = KafkaMessage(topic: topics.deadLetters, partition: 0, offset: 3, key: Array("d-1".utf8), value: try task.serializedBytes(), timestampMilliseconds: 1_000)
        #expect(try LogEntry.decode(dead, topics: topics) == .deadLetter(task, deadMicros: 1_000_000))
        let tombstone = KafkaMessage(topic: topics.deadLetters, partition: 0, offset: 4, key: Array("d-1".utf8), value: nil)
        #expect(try LogEntry.decode(tombstone, topics: topics) == .redriven(deliveryID: "d-1"))
        let unreadable = KafkaMessage(topic: topics.deadLetters, partition: 0, offset: 5, key: nil, value: [1],
                                      headers: [KafkaHeader(name: "herald_dead_letter_reason", value: Array("x".utf8))])
        #expect(try LogEntry.decode(unreadable, topics: topics) == nil)
        let status = Herald_V1_DeliveryRecord.with { $0.deliveryID = "d-1"; $0.state = .dead }
        #expect(try LogEntry.decode(KafkaMessage(topic: topics.status, partition: 0, offset: 0, key: nil, value: try status.serializedBytes()), topics: topics) == .delivery(status))
        #expect(throws: (any Error).self) { try LogEntry.decode(KafkaMessage(topic: topics.attempts, partition: 0, offset: 0, key: nil, value: [0xFF]), topics: topics) }
    }

    @Test func aReplayIsANewDeliveryFromAttemptZeroNamingTheOriginal() {
        let original = Herald_V1_DeliveryTask.with {
            $0.deliveryID = "d-1"
            $0.endpointID = "hook"
            $0.attempt = 3
            $0.lastStatusCode = 503
            $0.lastError = "HTTP 503"
            $0.notBefore = Google_Protobuf_Timestamp(seconds: 5)
            $0.eventExtensions = ["tenant": "acme"]
        }
        let now = Date(timeIntervalSince1970: 1_700_000_000.25)
        let replay = ReplayTask.make(from: original, to: "copy", at: now)
        #expect(replay.deliveryID == "d-1.replay-1700000000250000")
        #expect(replay.endpointID == "copy")
        #expect(replay.attempt == 0)
        #expect(!replay.hasNotBefore)
        #expect(replay.lastStatusCode == 0)
        #expect(replay.lastError.isEmpty)
        #expect(replay.eventExtensions == ["tenant": "acme", "heraldreplayof": "d-1"])
        let status = ReplayTask.pending(replay, at: now)
        #expect(status.deliveryID == replay.deliveryID)
        #expect(status.state == .pending)
        #expect(status.endpointID == "copy")
    }

    @Test func aResumedWatchReadsOldestFirstAfterItsPosition() {
        let statement = DeliveryLogQuery.updated(endpointID: "hook", after: DeliveryCursor(updatedMicros: 5, deliveryID: ""), limit: 100)
        #expect(statement.sql.hasSuffix("WHERE endpoint_id = $1 AND (updated_us, delivery_id) > ($2, $3) ORDER BY updated_us, delivery_id LIMIT $4"))
        #expect(statement.binds == [.text("hook"), .integer(5), .text(""), .integer(100)])
    }

    @Test func anAttemptKeepsTheFirstKiBOfTheBodyAndTheStatusItLedTo() {
        let record = Herald_V1_DeliveryRecord.with {
            $0.deliveryID = "d-1"
            $0.endpointID = "hook"
            $0.eventID = "e"
            $0.eventSource = "/s"
            $0.state = .retrying
            $0.attempts = 2
            $0.lastStatusCode = 503
            $0.lastError = "HTTP 503"
            $0.updatedAt = Google_Protobuf_Timestamp(seconds: 10)
            $0.nextAttemptAt = Google_Protobuf_Timestamp(seconds: 15)
        }
        let report = AttemptReport(kind: .answered(status: 503, retryAfter: nil), policy: nil, reachedEndpoint: true,
                                   requestDuration: .milliseconds(1500), responseBody: Array(repeating: 0x61, count: 3000))
        let attempt = AttemptRecord.attempt(record: record, report: report)
        #expect(attempt.deliveryID == "d-1")
        #expect(attempt.endpointID == "hook")
        #expect(attempt.eventID == "e")
        #expect(attempt.responseBody.count == 1024)
        #expect(attempt.duration == Google_Protobuf_Duration(seconds: 1, nanos: 500_000_000))
        #expect(attempt.attemptedAt == record.updatedAt)
        #expect(attempt.nextAttemptAt == record.nextAttemptAt)
        #expect(attempt.state == .retrying)
        #expect(attempt.attempts == 2)
        #expect(attempt.statusCode == 503)
        #expect(attempt.error == "HTTP 503")
    }
}
