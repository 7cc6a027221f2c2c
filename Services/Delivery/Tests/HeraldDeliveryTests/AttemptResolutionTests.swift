import Foundation
import HeraldCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Testing
@testable import HeraldDelivery

/// What an attempt's outcome becomes, without a broker or an endpoint.
@Suite struct AttemptResolutionTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let destinations = AttemptResolution.Destinations(topics: DeliveryTopics(), maxRecordBytes: 1 << 20)
    static let policy = HeraldCore.RetryPolicy(schedule: [.seconds(5), .seconds(30)], maxAttempts: 3, jitter: 0)

    static func task(attempt: Int32 = 0, payloadBytes: Int = 10) -> Herald_V1_DeliveryTask {
        .with {
            $0.deliveryID = "dlv_1"
            $0.eventSource = "/shop"
            $0.eventID = "e-1"
            $0.eventType = "order.shipped"
            $0.endpointID = "ep"
            $0.routeID = "r"
            $0.attempt = attempt
            $0.payload = Data(repeating: 7, count: payloadBytes)
        }
    }

    static func resolve(_ task: Herald_V1_DeliveryTask, _ kind: AttemptReport.Kind, error: String = "", reached: Bool = true,
                        retryAfter: Duration? = nil, charge: AttemptAccounting.Charge = .endpoint,
                        destinations: AttemptResolution.Destinations = destinations) -> AttemptResolution {
        let report = AttemptReport(kind: kind, error: error, policy: policy, reachedEndpoint: reached, retryAfter: retryAfter,
                                   requestDuration: .milliseconds(250), charge: charge, responseBody: Array(repeating: 65, count: 2000))
        return AttemptResolution.resolve(task, report: report, now: now, into: destinations, random: 0.5)
    }

    @Test func aSuccessWritesOnlyTheStatusAndClosesTheBreaker() {
        let resolution = Self.resolve(Self.task(), .answered(status: 204, retryAfter: nil), error: "ignored")
        #expect(resolution.status.state == .succeeded)
        #expect(resolution.status.attempts == 1 && resolution.status.lastStatusCode == 204 && resolution.status.lastError.isEmpty)
        #expect(resolution.records.isEmpty)
        #expect(resolution.breaker == .success && !resolution.disablesEndpoint && resolution.deadLetter == nil)
        #expect(resolution.status.updatedAt == Google_Protobuf_Timestamp(date: Self.now))
    }

    @Test func aFailureIsRetriedInTheTierOfItsDelayWithTheTaskDueThen() throws {
        let resolution = Self.resolve(Self.task(), .answered(status: 503, retryAfter: nil))
        #expect(resolution.status.state == .retrying && resolution.status.lastError == "HTTP 503")
        #expect(resolution.breaker == .failure)
        let due = Google_Protobuf_Timestamp(date: Self.now.addingTimeInterval(5))
        #expect(resolution.status.nextAttemptAt == due)
        let record = try #require(resolution.records.first)
        #expect(resolution.records.count == 1)
        #expect(record.topic == "herald.deliveries.retry.5s" && record.key == Array("ep".utf8))
        let retried = try Herald_V1_DeliveryTask(serializedBytes: record.value ?? [])
        #expect(retried.attempt == 1 && retried.notBefore == due && retried.lastStatusCode == 503 && retried.lastError == "HTTP 503")
    }

    @Test func theEndpointsRetryAfterChoosesTheDelay() throws {
        let resolution = Self.resolve(Self.task(), .answered(status: 429, retryAfter: .seconds(40)))
        #expect(resolution.status.nextAttemptAt == Google_Protobuf_Timestamp(date: Self.now.addingTimeInterval(40)))
        #expect(resolution.records.first?.topic == "herald.deliveries.retry.30s")
    }

    @Test func theLastAttemptIsDeadLettered() throws {
        let resolution = Self.resolve(Self.task(attempt: 2), .answered(status: 500, retryAfter: nil))
        #expect(resolution.status.state == .dead && resolution.status.attempts == 3)
        let record = try #require(resolution.records.first)
        #expect(record.topic == "herald.deliveries.dlq" && record.key == Array("dlv_1".utf8))
        let dead = try Herald_V1_DeliveryTask(serializedBytes: record.value ?? [])
        #expect(dead.attempt == 3 && !dead.hasNotBefore && dead.lastError == "HTTP 500")
        #expect(resolution.deadLetter == .init(reason: .attemptsExhausted, error: "HTTP 500"))
    }

    @Test func heraldsOwnFailureOnTheLastAttemptUsesNoAttemptAndRetriesInstead() throws {
        let resolution = Self.resolve(Self.task(attempt: 2), .failed, error: "circuit open", reached: false, retryAfter: .seconds(7), charge: .herald)
        #expect(resolution.status.state == .retrying && resolution.status.attempts == 2 && resolution.deadLetter == nil)
        let record = try #require(resolution.records.first)
        let retried = try Herald_V1_DeliveryTask(serializedBytes: record.value ?? [])
        #expect(retried.attempt == 2 && record.topic == "herald.deliveries.retry.5s")
    }

    @Test func goneDeadLettersAndDisablesTheEndpoint() {
        let resolution = Self.resolve(Self.task(), .answered(status: 410, retryAfter: nil))
        #expect(resolution.status.state == .dead && resolution.status.lastError == "410 Gone: endpoint disabled")
        #expect(resolution.disablesEndpoint && resolution.breaker == .none)
        #expect(resolution.deadLetter == .init(reason: .gone, error: "410 Gone: endpoint disabled"))
        #expect(resolution.records.map(\.topic) == ["herald.deliveries.dlq"])
    }

    @Test func anAttemptThatNeverReachedTheEndpointLeavesTheBreakerAlone() {
        let resolution = Self.resolve(Self.task(), .failed, error: "breaker open", reached: false, retryAfter: .seconds(7))
        #expect(resolution.breaker == .none && resolution.status.state == .retrying)
        #expect(resolution.status.nextAttemptAt == Google_Protobuf_Timestamp(date: Self.now.addingTimeInterval(7)))
        #expect(resolution.status.lastError == "breaker open")
    }

    @Test func anUndeliverableTaskIsDeadLetteredAtOnce() {
        let resolution = Self.resolve(Self.task(), .undeliverable, error: "endpoint ep not found", reached: false)
        #expect(resolution.status.state == .dead && resolution.status.lastError == "endpoint ep not found")
        #expect(resolution.records.map(\.topic) == ["herald.deliveries.dlq"] && resolution.breaker == .none)
        #expect(resolution.deadLetter?.reason == .undeliverable)
    }

    @Test func aRetryThatWouldNotFitInARecordIsDeadLetteredInstead() throws {
        let small = AttemptResolution.Destinations(topics: DeliveryTopics(), maxRecordBytes: 4000)
        let resolution = Self.resolve(Self.task(payloadBytes: 5000), .answered(status: 500, retryAfter: nil), destinations: small)
        #expect(resolution.status.state == .dead && !resolution.status.hasNextAttemptAt)
        #expect(resolution.status.lastError == "HTTP 500")
        let record = try #require(resolution.records.first)
        #expect(record.topic == "herald.deliveries.dlq" && (record.value?.count ?? .max) < 4000)
        let dead = try Herald_V1_DeliveryTask(serializedBytes: record.value ?? [])
        #expect(dead.lastError.contains("task over the record limit: HTTP 500"))
        #expect(resolution.deadLetter?.reason == .oversized)
    }

    @Test func theAttemptRecordIsTheStatusItLedToWithTheResponsesStart() {
        let resolution = Self.resolve(Self.task(attempt: 1), .answered(status: 503, retryAfter: nil))
        let attempt = resolution.attempt
        #expect(attempt.deliveryID == "dlv_1" && attempt.eventSource == "/shop" && attempt.eventID == "e-1")
        #expect(attempt.eventType == "order.shipped" && attempt.endpointID == "ep" && attempt.routeID == "r")
        #expect(attempt.state == .retrying && attempt.attempts == 2 && attempt.statusCode == 503 && attempt.error == "HTTP 503")
        #expect(attempt.attemptedAt == Google_Protobuf_Timestamp(date: Self.now))
        #expect(attempt.nextAttemptAt == resolution.status.nextAttemptAt)
        #expect(attempt.duration == Google_Protobuf_Duration(seconds: 0, nanos: 250_000_000))
        #expect(attempt.responseBody == Data(repeating: 65, count: AttemptRecord.responseBodyBytes))
    }

    @Test func aDeadLetteredAttemptRecordsTheDeadState() {
        let resolution = Self.resolve(Self.task(), .answered(status: 410, retryAfter: nil))
        #expect(resolution.attempt.state == .dead && resolution.attempt.statusCode == 410 && !resolution.attempt.hasNextAttemptAt)
    }
}
