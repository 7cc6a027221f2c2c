import Foundation
@testable import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing

/// The delivery log on a real SQLite file and a real PostgreSQL database: the same tests on both.
@Suite(.serialized) struct DeliveryLogStoreTests {
    static func record(_ index: Int, endpoint: String? = nil, state: Herald_V1_DeliveryState = .succeeded, micros: Int64? = nil) -> Herald_V1_DeliveryRecord {
        .with {
            $0.deliveryID = String(format: "d-%04d", index)
            $0.eventSource = "/shop/\(index % 2)"
            $0.eventID = "e-\(index)"
            $0.eventType = index % 3 == 0 ? "order.shipped" : "order.paid"
            $0.endpointID = endpoint ?? "ep-\(index % 4)"
            $0.routeID = "r"
            $0.state = state
            $0.attempts = 1
            // Some rows share an update time: pages must still neither repeat nor skip one.
            $0.updatedAt = DeliveryLogRows.timestamp(micros ?? 1_700_000_000_000_000 + Int64(index / 3) * 1000)
        }
    }

    static func attempt(_ id: String, endpoint: String, at micros: Int64, status: Int32, durationMS: Int64, error: String = "") -> Herald_V1_DeliveryAttempt {
        .with {
            $0.deliveryID = id
            $0.endpointID = endpoint
            $0.attemptedAt = DeliveryLogRows.timestamp(micros)
            $0.statusCode = status
            $0.duration = Google_Protobuf_Duration(seconds: durationMS / 1000, nanos: Int32(durationMS % 1000) * 1_000_000)
            $0.error = error
            $0.responseBody = Data("body of \(id)".utf8)
            $0.state = status == 200 ? .succeeded : .retrying
            $0.attempts = 1
        }
    }

    /// A batch (few multi-row statements) leaves the rows one statement per entry leaves: every
    /// delivery's newest state, every attempt once, whatever the log held before.
    @Test(arguments: LogBackend.available)
    func aBatchLeavesTheRowsItsEntriesOneByOneLeave(_ backend: LogBackend) async throws {
        let (batched, single) = (try await backend.open(try await backend.freshLocation()), try await backend.open(try await backend.freshLocation()))
        // Rows already there: some older than the batch's states, some newer (kept).
        let before = (0..<300).map { Self.record($0, state: .pending, micros: $0 % 2 == 0 ? 10 : 1_000) }
        var entries: [LogEntry] = []
        for index in 0..<600 {
            entries.append(.delivery(Self.record(index, state: .pending, micros: 20)))
            entries.append(.attempt(Self.attempt(Self.record(index).deliveryID, endpoint: "ep", at: 30, status: 200, durationMS: 5)))
            entries.append(.delivery(Self.record(index, state: index % 7 == 0 ? .dead : .succeeded, micros: 30)))
            // An attempt repeated (a record read twice) is kept once.
            if index % 5 == 0 { entries.append(.attempt(Self.attempt(Self.record(index).deliveryID, endpoint: "ep", at: 30, status: 200, durationMS: 5))) }
        }
        for log in [batched, single] { try await log.apply(before.map(LogEntry.delivery), offsets: []) }
        try await batched.apply(entries, offsets: [])
        for entry in entries { try await single.database.transaction([entry.statement]) }

        let everything = DeliveryFilter()
        let (batchedRows, _) = try await batched.list(everything, after: nil, limit: 1000)
        let (singleRows, _) = try await single.list(everything, after: nil, limit: 1000)
        #expect(batchedRows.count == 600)
        #expect(batchedRows == singleRows)
        #expect(batchedRows.filter { $0.state == .pending }.count == 150, "the 150 rows newer than the batch keep their state")
        for id in ["d-0000", "d-0005", "d-0299", "d-0599"] {
            let (_, batchedAttempts) = try #require(try await batched.delivery(id: id))
            let (_, singleAttempts) = try #require(try await single.delivery(id: id))
            #expect(batchedAttempts.count == 1)
            #expect(batchedAttempts == singleAttempts)
        }
        await batched.database.close()
        await single.database.close()
    }

    /// What the delivery engine reads for a batch of consumed tasks: the newest status of every
    /// delivery asked that the log holds, none for those it does not, over more ids than one
    /// statement takes.
    @Test(arguments: LogBackend.available)
    func statusesOfManyDeliveriesAreTheirNewestOnesAndOnlyThoseStored(_ backend: LogBackend) async throws {
        let log = try await backend.open(try await backend.freshLocation())
        try await log.apply((0..<700).map { LogEntry.delivery(Self.record($0, state: .pending, micros: 10)) }, offsets: [])
        try await log.apply((0..<700).filter { $0 % 2 == 0 }.map { LogEntry.delivery(Self.record($0, state: .dead, micros: 20)) }, offsets: [])
        let asked = (0..<700).filter { $0 % 3 != 0 }.map { Self.record($0).deliveryID } + (0..<400).map { "missing-\($0)" }
        #expect(asked.count > DeliveryLog.statusesPerQuery)

        let found = try await log.statuses(ids: asked)
        #expect(found.count == 466, "every stored delivery asked for, once; none of the 400 missing ones")
        #expect(Set(found.map(\.deliveryID)) == Set(asked.filter { !$0.hasPrefix("missing-") }))
        for record in found {
            let index = Int(record.deliveryID.dropFirst(2))!
            #expect(record.state == (index % 2 == 0 ? .dead : .pending), "\(record.deliveryID) reads as its newest state")
        }
        #expect(try await log.statuses(ids: []).isEmpty)
        await log.database.close()
    }

    @Test(arguments: LogBackend.available)
    func filteredPagesListEveryMatchingDeliveryOnceNewestFirst(_ backend: LogBackend) async throws {
        let log = try await backend.open(try await backend.freshLocation())
        let records = (0..<240).map { Self.record($0, state: $0 % 5 == 0 ? .dead : .succeeded) }
        try await log.apply(records.map(LogEntry.delivery), offsets: [])

        func all(_ filter: DeliveryFilter, pageSize: Int) async throws -> [Herald_V1_DeliveryRecord] {
            var listed: [Herald_V1_DeliveryRecord] = []
            var cursor: DeliveryCursor?
            repeat {
                let (page, next) = try await log.list(filter, after: cursor, limit: pageSize)
                #expect(page.count <= pageSize)
                listed += page
                cursor = next
            } while cursor != nil
            return listed
        }
        func expected(_ include: (Herald_V1_DeliveryRecord) -> Bool) -> [String] {
            records.filter(include)
                .sorted { (DeliveryLogRows.micros($0.updatedAt), $0.deliveryID) > (DeliveryLogRows.micros($1.updatedAt), $1.deliveryID) }
                .map(\.deliveryID)
        }

        #expect(try await all(DeliveryFilter(), pageSize: 7).map(\.deliveryID) == expected { _ in true })
        #expect(try await all(DeliveryFilter(endpointID: "ep-1"), pageSize: 9).map(\.deliveryID) == expected { $0.endpointID == "ep-1" })
        let since = DeliveryLogRows.micros(records[30].updatedAt), until = DeliveryLogRows.micros(records[150].updatedAt)
        let narrow = DeliveryFilter(state: Herald_V1_DeliveryState.dead.rawValue, eventType: "order.shipped", eventSource: "/shop/0", sinceMicros: since, untilMicros: until)
        let matching = expected {
            $0.state == .dead && $0.eventType == "order.shipped" && $0.eventSource == "/shop/0"
                && DeliveryLogRows.micros($0.updatedAt) >= since && DeliveryLogRows.micros($0.updatedAt) < until
        }
        #expect(!matching.isEmpty)
        #expect(try await all(narrow, pageSize: 2).map(\.deliveryID) == matching)
        let first = try await log.list(DeliveryFilter(endpointID: "nobody"), after: nil, limit: 10)
        #expect(first.0.isEmpty)
        #expect(first.1 == nil)
        await log.database.close()
    }

    @Test(arguments: LogBackend.available)
    func applyingTheSameRecordsAgainChangesNothingAndAnOlderStateNeverWins(_ backend: LogBackend) async throws {
        let log = try await backend.open(try await backend.freshLocation())
        let task = Herald_V1_DeliveryTask.with { $0.deliveryID = "d-0001"; $0.endpointID = "ep-1"; $0.payload = Data([1, 2, 3]) }
        let entries: [LogEntry] = [
            .delivery(Self.record(1, state: .retrying, micros: 1_000)),
            .attempt(Self.attempt("d-0001", endpoint: "ep-1", at: 1_000, status: 503, durationMS: 20, error: "HTTP 503")),
            .delivery(Self.record(1, state: .dead, micros: 2_000)),
            .attempt(Self.attempt("d-0001", endpoint: "ep-1", at: 2_000, status: 503, durationMS: 30, error: "HTTP 503")),
            .deadLetter(task, deadMicros: 2_000),
        ]
        let offsets = [TopicPartitionOffset(topic: "status", partition: 0, offset: 2), TopicPartitionOffset(topic: "attempts", partition: 1, offset: 2)]
        try await log.apply(entries, offsets: offsets)
        let once = try await log.dump()
        try await log.apply(entries, offsets: offsets)
        try await log.apply(Array(entries.prefix(2)), offsets: offsets)
        #expect(try await log.dump() == once)
        #expect(once.count == 4)
        #expect(try await log.delivery(id: "d-0001")?.0.state == .dead)
        #expect(try await log.offsets() == [TopicPartition(topic: "status", partition: 0): 2, TopicPartition(topic: "attempts", partition: 1): 2])
        await log.database.close()
    }

    @Test(arguments: LogBackend.available)
    func aDeliveryComesWithItsAttemptsAndHealthAggregatesAnEndpointsWindow(_ backend: LogBackend) async throws {
        let log = try await backend.open(try await backend.freshLocation())
        let now = DeliveryLogRows.micros(Date())
        var entries: [LogEntry] = [.delivery(Self.record(7, endpoint: "ep", micros: now))]
        // Ten attempts of 10…100 ms, the 3rd and 7th failing; one old failure outside the window.
        for index in 1...10 {
            let failed = index == 3 || index == 7
            entries.append(.attempt(Self.attempt("d-0007", endpoint: "ep", at: now - Int64(11 - index) * 1000, status: failed ? 500 : 200,
                                                 durationMS: Int64(index) * 10, error: failed ? "HTTP 500 #\(index)" : "")))
        }
        entries.append(.attempt(Self.attempt("d-0007", endpoint: "ep", at: now - 7_200_000_000, status: 500, durationMS: 5000, error: "old")))
        try await log.apply(entries, offsets: [])

        let (record, attempts) = try #require(try await log.delivery(id: "d-0007"))
        #expect(record.endpointID == "ep")
        #expect(attempts.count == 11)
        let times: [Int64] = attempts.map { DeliveryLogRows.micros($0.attemptedAt) }
        #expect(times == times.sorted())
        #expect(attempts.last?.responseBody == Data("body of d-0007".utf8))
        #expect(attempts.last?.eventID == "e-7")
        #expect(try await log.delivery(id: "missing") == nil)

        let health = try await log.health(endpointID: "ep", sinceMicros: now - 3_600_000_000)
        #expect(health.attempts == 10)
        #expect(health.succeeded == 8)
        #expect(health.successRate == 0.8)
        #expect(health.p50Duration == Google_Protobuf_Duration(seconds: 0, nanos: 50_000_000))
        #expect(health.p99Duration == Google_Protobuf_Duration(seconds: 0, nanos: 100_000_000))
        #expect(health.lastError == "HTTP 500 #7")
        let idle = try await log.health(endpointID: "other", sinceMicros: 0)
        #expect(idle.attempts == 0)
        #expect(!idle.hasP50Duration)
        #expect(idle.lastError.isEmpty)
        await log.database.close()
    }

    @Test(arguments: LogBackend.available)
    func aDeadLetterIsListedUntilRedrivenOrExpired(_ backend: LogBackend) async throws {
        let log = try await backend.open(try await backend.freshLocation())
        let tasks = (1...3).map { index in Herald_V1_DeliveryTask.with { $0.deliveryID = String(format: "d-%04d", index); $0.endpointID = "ep" } }
        try await log.apply([
            .delivery(Self.record(1, endpoint: "ep", state: .dead, micros: 1_000)), .deadLetter(tasks[0], deadMicros: 1_000),
            .delivery(Self.record(2, endpoint: "ep", state: .dead, micros: 5_000)), .deadLetter(tasks[1], deadMicros: 5_000),
            .delivery(Self.record(3, endpoint: "ep", state: .pending, micros: 6_000)), .deadLetter(tasks[2], deadMicros: 4_000),
        ], offsets: [])
        #expect(try await log.deadLetters(endpointID: "ep", sinceMicros: nil, limit: 10).map(\.0.deliveryID) == ["d-0002", "d-0001"],
                "newest first; a redriven delivery (no longer DEAD) is not listed")
        #expect(try await log.deadLetters(endpointID: "ep", sinceMicros: 2_000, limit: 10).map(\.1) == [tasks[1]])
        #expect(try await log.deadLetters(endpointID: "other", sinceMicros: nil, limit: 10).isEmpty)
        #expect(try await log.deadLetterTask(deliveryID: "d-0001") == tasks[0])

        try await log.apply([.redriven(deliveryID: "d-0002")], offsets: [])
        #expect(try await log.deadLetters(endpointID: nil, sinceMicros: nil, limit: 10).map(\.0.deliveryID) == ["d-0001"])
        try await log.prune(before: 2_000)
        #expect(try await log.deadLetters(endpointID: nil, sinceMicros: nil, limit: 10).isEmpty)
        #expect(try await log.delivery(id: "d-0001") == nil)
        #expect(try await log.delivery(id: "d-0003") != nil)
        await log.database.close()
    }

    @Test(arguments: LogBackend.available)
    func aReopenedLogKeepsItsRowsAndOffsets(_ backend: LogBackend) async throws {
        let location = try await backend.freshLocation()
        let log = try await backend.open(location)
        try await log.apply([.delivery(Self.record(1))], offsets: [TopicPartitionOffset(topic: "status", partition: 2, offset: 9)])
        let before = try await log.dump()
        await log.database.close()
        let reopened = try await backend.open(location)
        #expect(try await reopened.dump() == before)
        #expect(try await reopened.offsets() == [TopicPartition(topic: "status", partition: 2): 9])
        await reopened.database.close()
    }
}
