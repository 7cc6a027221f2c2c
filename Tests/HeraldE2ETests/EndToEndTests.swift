import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import Logging
import SwiftProtobuf
import Testing

/// The four real executables and a real webhook receiver, on the shared broker, with topics,
/// groups and transactional ids of their own: events go in over gRPC and must come out as signed
/// webhooks, once per (event, route, endpoint), while the schema evolves under them.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct EndToEndTests {
    static let orderV1 = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"}]}"#
    /// v1 plus a field with a default: readers of v2 see "unknown" where a v1 writer had nothing.
    static let orderV2 = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"},{"name":"carrier","type":"string","default":"unknown"}]}"#
    static let sources = ["/shop/1", "/shop/2", "/shop/3", "/shop/4", "/shop/vip-1"]

    @Test func everyEventReachesEveryMatchingEndpointOnceSignedAndSucceeded() async throws {
        let receiver = try await WebhookReceiver.start()
        let stack: HeraldStack
        do { stack = try await HeraldStack.start() } catch {
            try? await receiver.stop()
            throw error
        }
        do {
            try await run(stack, receiver: receiver)
            try await stack.stop()
            try await receiver.stop()
        } catch {
            stack.kill()
            try? await receiver.stop()
            var counts: [String] = []
            for topic in [stack.names.events, stack.names.deliveries, stack.names.status] {
                let records = (try? await committedRecords(topic: topic, kafka: stack.kafka, logger: stack.logger)) ?? []
                counts.append("\(topic): \(records.count) committed, \(Set(records.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }).count) keys")
            }
            Issue.record("received \(receiver.received.count) requests (\(Set(receiver.received.map(\.webhookID)).count) webhook-ids); \(counts.joined(separator: "; ")); the services' logs end:\n\(stack.logTails())")
            throw error
        }
    }

    private func run(_ stack: HeraldStack, receiver: WebhookReceiver) async throws {
        let secrets = ["ep-a": Self.secret(), "ep-b": Self.secret()]
        try await stack.withClients { registry, producer, router, delivery in
            _ = try await Self.eventually("the registry to take a schema") {
                try await registry.registerSchema(.with { $0.subject = "orders-value"; $0.schema = Self.orderV1 })
            }
            for (id, secret) in secrets {
                _ = try await delivery.putEndpoint(.with {
                    $0.endpoint.id = id
                    $0.endpoint.url = receiver.url
                    $0.endpoint.secret = secret
                    $0.endpoint.enabled = true
                })
            }
            _ = try await router.putRoute(.with {
                $0.route = .with { $0.id = "all-orders"; $0.filter.types = ["com.example.order.*"]; $0.endpointIds = ["ep-a", "ep-b"]; $0.enabled = true }
            })
            _ = try await router.putRoute(.with {
                $0.route = .with { $0.id = "vip"; $0.filter.sources = ["/shop/vip*"]; $0.endpointIds = ["ep-b"]; $0.enabled = true }
            })
            // Routes apply within a second of being stored.
            try await Task.sleep(for: .seconds(1.5))

            // v1: 1,000 events, then 100 of them again (same source and id).
            let v1 = (0..<1000).map { Self.event($0, carrier: nil) }
            try await Self.publish(v1 + v1.prefix(100), with: producer)
            // v2 mid-stream: half the events name a carrier, half leave it to the default.
            _ = try await registry.registerSchema(.with { $0.subject = "orders-value"; $0.schema = Self.orderV2 })
            let v2 = (1000..<2000).map { Self.event($0, carrier: $0.isMultiple(of: 2) ? "dhl" : nil) }
            try await Self.publish(v2 + v2.prefix(100), with: producer)
        }

        // Expected: every event once to ep-a and once to ep-b through all-orders; vip events once more to ep-b.
        let vipEvents = (0..<2000).filter { Self.sources[$0 % Self.sources.count].hasPrefix("/shop/vip") }.count
        let expected = 2000 * 2 + vipEvents
        try await Self.eventually("\(expected) deliveries", within: .seconds(240)) {
            Set(receiver.received.map(\.webhookID)).count >= expected ? true : nil
        }
        try await Task.sleep(for: .seconds(2))  // anything extra (a repeat) would arrive by now

        let received = receiver.received
        var perWebhookID: [String: Int] = [:]
        var perEventAndEndpoint: [String: Int] = [:]
        for request in received {
            perWebhookID[request.webhookID, default: 0] += 1
            let endpoints = secrets.filter { Self.verify(request, secret: $0.value) }.map(\.key)
            #expect(endpoints.count == 1, "signature of \(request.webhookID) verifies with \(endpoints)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            let id = try #require(body["id"] as? String)
            let index = try #require(Int(id.dropFirst(2)))
            #expect(request.contentType.hasPrefix("application/cloudevents+json"))
            #expect(body["specversion"] as? String == "1.0" && body["type"] as? String == "com.example.order.shipped")
            #expect(body["source"] as? String == Self.sources[index % Self.sources.count])
            #expect(try Self.canonical(body["data"] ?? NSNull()) == Self.canonical(Self.expectedData(index)), "data of \(id)")
            if let endpoint = endpoints.first { perEventAndEndpoint["\(id)|\(endpoint)", default: 0] += 1 }
        }
        #expect(perWebhookID.count == expected)
        #expect(perWebhookID.filter { $0.value > 1 }.isEmpty, "webhook-ids received more than once")
        for index in 0..<2000 {
            let vip = Self.sources[index % Self.sources.count].hasPrefix("/shop/vip")
            #expect(perEventAndEndpoint["e-\(index)|ep-a"] == 1)
            #expect(perEventAndEndpoint["e-\(index)|ep-b"] == (vip ? 2 : 1))
        }

        // The status topic: one record per delivery id, each finally SUCCEEDED.
        var latest: [String: Herald_V1_DeliveryRecord] = [:]
        try await Self.eventually("every delivery recorded SUCCEEDED") {
            latest = [:]
            for message in try await committedRecords(topic: stack.names.status, kafka: stack.kafka, logger: stack.logger) {
                guard let value = message.value else { continue }
                let record = try Herald_V1_DeliveryRecord(serializedBytes: value)
                latest[record.deliveryID] = record
            }
            return latest.count == expected && latest.values.allSatisfy { $0.state == .succeeded } ? true : nil
        }
        #expect(Set(latest.keys) == Set(perWebhookID.keys))
    }

    static func event(_ index: Int, carrier: String?) -> Herald_V1_Event {
        .with {
            $0.id = "e-\(index)"
            $0.source = sources[index % sources.count]
            $0.type = "com.example.order.shipped"
            $0.subject = "order-\(index)"
            $0.schema.subject = "orders-value"
            // The producer caches "latest" for a few seconds: writers of the new shape name its version.
            $0.schema.version = carrier == nil && index < 1000 ? 1 : 2
            $0.json = #"{"order_id":"order-\#(index)","items":\#(index % 7)"# + (carrier.map { #","carrier":"\#($0)""# } ?? "") + "}"
        }
    }

    /// What the webhook's `data` must hold: the event as written, decoded with its writer schema
    /// (v1 events have no carrier; v2 events have theirs or the default).
    static func expectedData(_ index: Int) -> [String: Any] {
        var data: [String: Any] = ["order_id": "order-\(index)", "items": index % 7]
        if index >= 1000 { data["carrier"] = index.isMultiple(of: 2) ? "dhl" : "unknown" }
        return data
    }

    /// JSON text with sorted keys, so two values compare by content.
    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    static func publish(_ events: [Herald_V1_Event], with producer: Herald_V1_Producer.Client<HTTP2ClientTransport.Posix>) async throws {
        for start in stride(from: 0, to: events.count, by: 100) {
            let batch = Array(events[start..<min(start + 100, events.count)])
            _ = try await producer.publishBatch(.with { $0.events = batch })
        }
    }

    static func secret() -> String {
        "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// Standard Webhooks, computed here from the spec rather than with Herald's signer:
    /// `v1,` + base64(HMAC-SHA256(secret bytes, id.timestamp.body)), any of several space-separated.
    static func verify(_ request: WebhookReceiver.Received, secret: String) -> Bool {
        guard let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) else { return false }
        let signed = Data("\(request.webhookID).\(request.timestamp).".utf8) + Data(request.body)
        let expected = "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
        return request.signature.split(separator: " ").contains { $0 == expected }
    }

    /// The shared `TestEnvironment.eventually`, under the name this suite's tests call.
    @discardableResult
    static func eventually<Value>(_ what: String, within limit: Duration = .seconds(90), _ body: () async throws -> Value?) async throws -> Value {
        try await TestEnvironment.eventually(what, within: limit, body)
    }
}
