import Foundation
import GRPCCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    /// The delivery log's queries and filtered redrive through the real service over gRPC.
    @Suite struct DeliveryLogServiceTests {
        @Test func attemptsHealthListsAndAFilteredRedriveComeFromTheLog() async throws {
            let stack = try await DeliveryStack.start(maxAttempts: 2)
            let receiver = try await Receiver.start { $0 < 2 ? .endlessBody(status: 503, chunkBytes: 16_384, interval: .milliseconds(1)) : .status(200) }
            _ = try await stack.putEndpoint("flaky", url: receiver.url)
            let task = stack.task(event: "e-1", endpoint: "flaky")
            try await stack.produce([task])
            try await stack.waitFor(.dead, events: ["e-1"])

            let delivery = try await stack.withDelivery { try await $0.getDelivery(.with { $0.deliveryID = task.deliveryID }) }
            #expect(delivery.delivery.state == .dead && delivery.delivery.attempts == 2)
            #expect(delivery.attempts.map(\.statusCode) == [503, 503])
            #expect(delivery.attempts.map(\.state) == [.retrying, .dead])
            #expect(delivery.attempts.first?.responseBody == Data(repeating: UInt8(ascii: "x"), count: 1024))
            #expect(delivery.attempts.first?.hasNextAttemptAt == true)
            #expect(delivery.attempts.allSatisfy { $0.hasDuration })
            await #expect(throws: RPCError.self) { try await stack.withDelivery { try await $0.getDelivery(.with { $0.deliveryID = "nope" }) } }

            let health = try await stack.withDelivery { try await $0.getEndpointHealth(.with { $0.endpointID = "flaky" }) }
            #expect(health.attempts == 2)
            #expect(health.succeeded == 0)
            #expect(health.lastError.hasPrefix("HTTP 503"))
            #expect(health.circuit == .closed)
            #expect(health.hasP99Duration)
            #expect(health.steps.isEmpty, "no steps unless asked")

            // The hour in minutes: the two requests fall in the latest steps, every other step is empty.
            let stepped = try await stack.withDelivery {
                try await $0.getEndpointHealth(.with { $0.endpointID = "flaky"; $0.step = Google_Protobuf_Duration(seconds: 60) })
            }
            #expect(stepped.steps.count == 60)
            #expect(stepped.steps.map(\.requests).reduce(0, +) == 2)
            #expect(stepped.steps.allSatisfy { $0.requests == 0 ? !$0.hasP99Duration : $0.hasP50Duration && $0.hasP99Duration })
            #expect(zip(stepped.steps, stepped.steps.dropFirst()).allSatisfy { $1.start.seconds - $0.start.seconds == 60 })
            for step in [Google_Protobuf_Duration(nanos: 500_000_000), Google_Protobuf_Duration(seconds: 1)] {
                await #expect(throws: RPCError.self, "step \(step.seconds) s over an hour") {
                    try await stack.withDelivery { try await $0.getEndpointHealth(.with { $0.endpointID = "flaky"; $0.step = step }) }
                }
            }

            let dead = try await stack.withDelivery { try await $0.listDeliveries(.with { $0.endpointID = "flaky"; $0.state = .dead }) }
            #expect(dead.deliveries.map(\.deliveryID) == [task.deliveryID])
            #expect(dead.nextPageToken.isEmpty)
            await #expect(throws: RPCError.self) { try await stack.withDelivery { try await $0.listDeliveries(.with { $0.pageToken = "garbage" }) } }

            let redriven = try await stack.withDelivery { try await $0.redrive(.with { $0.endpointID = "flaky" }) }
            #expect(redriven.redriven == 1)
            try await stack.waitFor(.succeeded, events: ["e-1"])
            #expect(try await stack.withDelivery { try await $0.listDeadLetters(.init()).deliveries }.isEmpty)
            let letters = try await Fixtures.readAll(topic: stack.names.topics.deadLetters)
            let key = Array(task.deliveryID.utf8)
            #expect(letters.map(\.key) == [key, key])
            #expect(letters.last?.value == nil, "the redrive wrote the dead letter's tombstone")
            try await TestEnvironment.eventually("the third attempt in the log") {
                try await stack.withDelivery { try await $0.getDelivery(.with { $0.deliveryID = task.deliveryID }) }.attempts.count == 3
            }
            try await receiver.stop()
            try await stack.stop()
        }

        @Test func aReplaySendsDeliveredEventsAgainAsNewMarkedDeliveriesAndAWatchResumesFromATime() async throws {
            let stack = try await DeliveryStack.start()
            let first = try await Receiver.start()
            let second = try await Receiver.start()
            _ = try await stack.putEndpoint("hook", url: first.url)
            _ = try await stack.putEndpoint("copy", url: second.url)
            let started = Date()
            let tasks = [stack.task(event: "r-1", endpoint: "hook"), stack.task(event: "r-2", endpoint: "hook")]
            try await stack.produce(tasks)
            try await stack.waitFor(.succeeded, events: ["r-1", "r-2"])

            let watched = try await stack.withDelivery { client in
                try await client.watchDeliveries(.with { $0.endpointID = "hook"; $0.since = Google_Protobuf_Timestamp(date: started) }) { response in
                    var records: [Herald_V1_DeliveryRecord] = []
                    for try await record in response.messages {
                        records.append(record)
                        if records.count == 2 { break }
                    }
                    return records
                }
            }
            #expect(Set(watched.map(\.deliveryID)) == Set(tasks.map(\.deliveryID)))
            #expect(watched.allSatisfy { $0.state == .succeeded })

            let range = Herald_V1_ReplayRequest.with {
                $0.endpointID = "hook"
                $0.since = Google_Protobuf_Timestamp(date: started)
                $0.until = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(60))
                $0.toEndpointID = "copy"
            }
            let replay = try await stack.withDelivery { try await $0.replay(range) }
            #expect(replay.replayed == 2)
            #expect(replay.missing == 0)
            try await TestEnvironment.eventually("both replays at the second endpoint") { second.received.count == 2 }
            for received in second.received {
                let original = try #require(tasks.first { received.webhookID.hasPrefix($0.deliveryID + ".replay-") }, "\(received.webhookID)")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any])
                #expect(body["heraldreplayof"] as? String == original.deliveryID)
            }
            #expect(first.received.count == 2, "the original endpoint got nothing more")
            try await TestEnvironment.eventually("the replays succeeded in the log") {
                try await stack.withDelivery { try await $0.listDeliveries(.with { $0.endpointID = "copy"; $0.state = .succeeded }) }.deliveries.count == 2
            }
            await #expect(throws: RPCError.self) { try await stack.withDelivery { try await $0.replay(.with { $0.endpointID = "hook" }) } }
            try await first.stop()
            try await second.stop()
            try await stack.stop()
        }
    }
}
