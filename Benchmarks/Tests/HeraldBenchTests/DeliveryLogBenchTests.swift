import ArgumentParser
import Foundation
import HeraldCore
import HeraldDelivery
import HeraldProtos
import SwiftProtobuf
import Testing

@testable import HeraldBench

/// `herald-bench delivery-log`: the history it fills a log with, its percentiles, and a tiny run
/// of the command itself on a real SQLite file.
@Suite struct DeliveryLogBenchTests {
    static let history = DeliveryLogHistory(rows: 20_000, endpoints: 7, eventTypes: 5, sources: 11, endMicros: 1_000_000_000_000, spanMicros: 86_400_000_000)

    @Test func theHistoryIsTheSameEveryTimeInUpdateOrderWithinItsSpan() {
        let history = Self.history
        let records = (0..<history.rows).map(history.record)
        #expect(records == (0..<history.rows).map(history.record))
        let times = records.map { $0.updatedAt.seconds * 1_000_000 + Int64($0.updatedAt.nanos / 1000) }
        #expect(times == times.sorted())
        #expect(times.first == history.startMicros)
        #expect(times.allSatisfy { $0 >= history.startMicros && $0 < history.endMicros })
        #expect(Set(records.map(\.deliveryID)).count == records.count)
        #expect(records.allSatisfy { $0.deliveryID.hasPrefix("dlv_") && $0.deliveryID.count == 36 })
    }

    @Test func everyEndpointTypeAndSourceOccursAndFewDeliveriesFail() {
        let history = Self.history
        let records = (0..<history.rows).map(history.record)
        #expect(Set(records.map(\.endpointID)) == Set((0..<7).map(history.endpoint)))
        #expect(Set(records.map(\.eventType)) == Set((0..<5).map(history.eventType)))
        #expect(Set(records.map(\.eventSource)) == Set((0..<11).map(history.source)))
        let dead = records.filter { $0.state == .dead }.count
        #expect((100...300).contains(dead), "about 1 % of 20,000: \(dead)")
        #expect(records.filter { $0.state == .succeeded }.count > 19_000)
        #expect(DeliveryLogHistory.state(perMille: 9) == .dead)
        #expect(DeliveryLogHistory.state(perMille: 10) == .retrying)
        #expect(DeliveryLogHistory.state(perMille: 17) == .pending)
        #expect(DeliveryLogHistory.state(perMille: 18) == .succeeded)
    }

    @Test func aTimeWindowAndADeepCursorInItStayInsideTheHistory() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let filter = DeliveryLogQueryShape.window(Self.history, 3_600_000_000, &random)
            let since = try #require(filter.sinceMicros), until = try #require(filter.untilMicros)
            #expect(since >= Self.history.startMicros && until <= Self.history.endMicros && until - since == 3_600_000_000)
            let cursor = DeliveryLogQueryShape.deepCursor(Self.history, filter, &random)
            #expect(cursor.updatedMicros >= since && cursor.updatedMicros <= until)
        }
    }

    @Test func thePartAFillStoppedShortCoversEndsWhereItsNextRowWouldBe() {
        let history = Self.history
        #expect(history.covered(by: history.rows) == history)
        let half = history.covered(by: 10_000)
        #expect(half.startMicros == history.startMicros)
        #expect(half.endMicros == history.updatedMicros(10_000))
        #expect(half.endMicros > history.updatedMicros(9_999))
        #expect(history.covered(by: 0).spanMicros == 0)
    }

    @Test func percentilesAreNearestRank() {
        var latencies = QueryLatencies()
        #expect(latencies.percentile(50) == nil)
        for milliseconds in (1...100).reversed() { latencies.add(.milliseconds(milliseconds)) }
        #expect(latencies.percentile(50) == 50)
        #expect(latencies.percentile(99) == 99)
        #expect(latencies.percentile(100) == 100)
        #expect(latencies.maximum == 100)
        latencies = QueryLatencies()
        latencies.add(.microseconds(1500))
        #expect(latencies.percentile(99) == 1.5)
    }

    @Test func aTinyRunFillsTheLogOnceAndMeasuresItAgainWithoutRefilling() async throws {
        let path = NSTemporaryDirectory() + "herald-delivery-log-bench-\(UUID().uuidString)/log.sqlite"
        let arguments = ["delivery-log", "--rows", "3000", "--batch", "700", "--endpoints", "4", "--days", "1", "--queries", "3", "--path", path]
        let stopped = try #require(try HeraldBench.parseAsRoot(arguments + ["--fill-limit-minutes", "0"]) as? DeliveryLogBenchCommand)
        try await stopped.run()
        let command = try #require(try HeraldBench.parseAsRoot(arguments) as? DeliveryLogBenchCommand)
        try await command.run()
        try await command.run()

        let log = try await DeliveryLog.open(SQLiteLogDatabase.open(path: path))
        let endpoint = command.history.endpoint(2)
        let (page, _) = try await log.list(DeliveryFilter(endpointID: endpoint), after: nil, limit: 1000)
        let expected = (0..<3000).map(command.history.record).filter { $0.endpointID == endpoint }.reversed()
        #expect(page.map(\.deliveryID) == expected.map(\.deliveryID))
        await log.database.close()

        let smaller = try #require(try HeraldBench.parseAsRoot(["delivery-log", "--rows", "10", "--path", path]) as? DeliveryLogBenchCommand)
        await #expect(throws: ValidationError.self) { try await smaller.run() }
    }
}
