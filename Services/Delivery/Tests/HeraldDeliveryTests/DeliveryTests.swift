import Foundation
import GRPCCore
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import HeraldTestSupport
import Testing

/// Verifies a Standard Webhooks signature with Python's hmac, independently of Herald's code.
func verifyWithPython(secret: String, received: Receiver.Received) throws -> String {
    let script = """
        import sys, hmac, hashlib, base64
        secret, msg_id, ts, path, sig = sys.argv[1:]
        key = base64.b64decode(secret.split("_", 1)[1])
        body = open(path, "rb").read()
        expected = "v1," + base64.b64encode(hmac.new(key, (msg_id + "." + ts + ".").encode() + body, hashlib.sha256).digest()).decode()
        print("ok" if any(hmac.compare_digest(expected, s) for s in sig.split(" ")) else "mismatch " + expected)
        """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-body-\(UUID().uuidString)").path
    try Data(received.body).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, secret, received.webhookID, received.timestamp, path, received.signature]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

extension DeliveryIntegration {
    @Suite struct DeliveryTests {
        @Test func aTaskIsPostedOnceAsSignedCloudEventAndRecordedSucceeded() async throws {
            let stack = try await DeliveryStack.start()
            let receiver = try await Receiver.start()
            let secret = WebhookSecret.generate()
            _ = try await stack.putEndpoint("hook", url: receiver.url, secret: secret) { $0.headers = ["x-tenant": "acme"] }
            let task = stack.task(event: "e-1", endpoint: "hook")
            try await stack.produce([task])
            try await stack.waitFor(.succeeded, events: ["e-1"])

            let requests = receiver.received
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request.webhookID == task.deliveryID)
            #expect(request.contentType == "application/cloudevents+json")
            #expect(request.headers["x-tenant"] == "acme")
            #expect(abs((Int64(request.timestamp) ?? 0) - Int64(Date().timeIntervalSince1970)) < 300)
            #expect(try verifyWithPython(secret: secret, received: request) == "ok")
            #expect(try verifyWithPython(secret: WebhookSecret.generate(), received: request) != "ok", "the check can fail")

            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(body["specversion"] as? String == "1.0")
            #expect(body["id"] as? String == "e-1")
            #expect(body["source"] as? String == "/orders")
            #expect(body["type"] as? String == "com.example.order.shipped")
            #expect(body["subject"] as? String == "order-e-1")
            #expect(body["time"] as? String == "2023-11-14T22:13:20Z")
            #expect(body["datacontenttype"] as? String == "application/json")
            #expect((body["dataschema"] as? String)?.hasSuffix("/schemas/ids/\(stack.registry.schemaID)") == true)
            #expect(body["tenant"] as? String == "acme")
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["order_id"] as? String == "o-e-1" && data["items"] as? Int == 2 && data["carrier"] is NSNull)

            let record = try #require(try await stack.deliveries(id: "e-1").first)
            #expect(record.deliveryID == task.deliveryID && record.endpointID == "hook" && record.routeID == "r-1")
            #expect(record.attempts == 1 && record.lastStatusCode == 200 && record.lastError.isEmpty)
            let statuses = try await stack.statusRecords().filter { $0.deliveryID == task.deliveryID }
            #expect(statuses.map(\.state) == [.succeeded])
            try await receiver.stop()
            try await stack.stop()
        }

        @Test func aFailingEndpointRetriesThenDeadLettersAndRedriveDelivers() async throws {
            let stack = try await DeliveryStack.start(maxAttempts: 3)
            let receiver = try await Receiver.start { $0 < 3 ? .status(503) : .status(200) }
            _ = try await stack.putEndpoint("flaky", url: receiver.url)
            let task = stack.task(event: "e-2", endpoint: "flaky")
            try await stack.produce([task])
            try await stack.waitFor(.dead, events: ["e-2"])
            #expect(receiver.received.count == 3)

            let dead = try await stack.withDelivery { try await $0.listDeadLetters(.with { $0.endpointID = "flaky" }).deliveries }
            #expect(dead.map(\.deliveryID) == [task.deliveryID])
            #expect(dead.first?.attempts == 3 && dead.first?.lastStatusCode == 503)
            #expect(try await stack.withDelivery { try await $0.listDeadLetters(.with { $0.endpointID = "other" }).deliveries }.isEmpty)
            let parked = try await Fixtures.readAll(topic: stack.names.topics.deadLetters)
            #expect(parked.count == 1)
            let parkedTask = try Herald_V1_DeliveryTask(serializedBytes: try #require(parked.first?.value))
            #expect(parkedTask.deliveryID == task.deliveryID && parkedTask.lastStatusCode == 503 && parked.first?.key == Array(task.deliveryID.utf8))

            let redriven = try await stack.withDelivery { try await $0.redrive(.with { $0.deliveryIds = [task.deliveryID, "unknown"] }).redriven }
            #expect(redriven == 1)
            try await stack.waitFor(.succeeded, events: ["e-2"])
            #expect(receiver.received.count == 4)
            #expect(Set(receiver.received.map(\.webhookID)) == [task.deliveryID])
            #expect(try await stack.withDelivery { try await $0.listDeadLetters(.init()).deliveries }.isEmpty)
            // A second redrive of a delivery that is no longer dead does nothing.
            #expect(try await stack.withDelivery { try await $0.redrive(.with { $0.deliveryIds = [task.deliveryID] }).redriven } == 0)

            let states = try await stack.statusRecords().filter { $0.deliveryID == task.deliveryID }.map(\.state)
            #expect(states == [.retrying, .retrying, .dead, .pending, .succeeded])
            // Retries went through the retry tier topics (a retry due later than its tier's delay is
            // written again after holding its partition that long, so a retry may be there twice).
            var retried: Set<Int32> = []
            for topic in stack.names.topics.retryTiers.topics {
                for message in try await Fixtures.readAll(topic: topic) {
                    retried.insert(try Herald_V1_DeliveryTask(serializedBytes: try #require(message.value)).attempt)
                }
            }
            #expect(retried == [1, 2])
            try await receiver.stop()
            try await stack.stop()
        }

        @Test func goneDisablesTheEndpointAndRetryAfterIsHonoured() async throws {
            let stack = try await DeliveryStack.start(maxAttempts: 5)
            let gone = try await Receiver.start { _ in .status(410) }
            let limited = try await Receiver.start { $0 == 0 ? .status(429, retryAfter: "2") : .status(200) }
            _ = try await stack.putEndpoint("gone", url: gone.url)
            _ = try await stack.putEndpoint("limited", url: limited.url)
            try await stack.produce([stack.task(event: "g-1", endpoint: "gone"), stack.task(event: "l-1", endpoint: "limited")])
            try await stack.waitFor(.dead, events: ["g-1"])
            let endpoint = try await stack.withDelivery { try await $0.getEndpoint(.with { $0.id = "gone" }).endpoint }
            #expect(endpoint.enabled == false)
            #expect(try await stack.deliveries(id: "g-1").first?.lastStatusCode == 410)

            // Later tasks to the disabled endpoint are dead-lettered without a request.
            try await stack.produce([stack.task(event: "g-2", endpoint: "gone")])
            try await stack.waitFor(.dead, events: ["g-2"])
            #expect(gone.received.count == 1)
            #expect(try await stack.deliveries(id: "g-2").first?.lastError.contains("disabled") == true)

            try await stack.waitFor(.succeeded, events: ["l-1"])
            let requests = limited.received
            #expect(requests.count == 2)
            if requests.count == 2 {
                // The schedule says 200 ms; the endpoint asked for 2 s.
                #expect(requests[1].arrived - requests[0].arrived >= .seconds(2))
            }
            let retrying = try await stack.statusRecords().first { $0.endpointID == "limited" && $0.state == .retrying }
            let record = try #require(retrying)
            #expect(record.lastStatusCode == 429)
            #expect(record.nextAttemptAt.date.timeIntervalSince(record.updatedAt.date) >= 1.99)
            try await gone.stop()
            try await limited.stop()
            try await stack.stop()
        }

        @Test func aSlowEndpointDoesNotDelayAFastOneOnTheSamePartition() async throws {
            var limits = EndpointLimits()
            limits.concurrency = 2
            limits.queueCapacity = 16
            let stack = try await DeliveryStack.start(partitions: 1, limits: limits)
            let slow = try await Receiver.start { _ in .blockThenOK }
            let fast = try await Receiver.start()
            _ = try await stack.putEndpoint("slow", url: slow.url)
            _ = try await stack.putEndpoint("fast", url: fast.url)
            let slowEvents = (0..<5).map { "s-\($0)" }
            let fastEvents = (0..<50).map { "f-\($0)" }
            let started = ContinuousClock.now
            try await stack.produce(slowEvents.map { stack.task(event: $0, endpoint: "slow") } + fastEvents.map { stack.task(event: $0, endpoint: "fast") })
            try await stack.waitFor(.succeeded, events: fastEvents)
            let fastDone = ContinuousClock.now - started
            // Every fast delivery succeeded while the slow endpoint still holds its requests.
            #expect(slow.completed == 0)
            #expect(slow.received.count == 2, "concurrency limit 2 per endpoint")
            #expect(fast.received.count == 50)
            for id in slowEvents { #expect(try await stack.deliveries(id: id).isEmpty) }

            slow.release()
            try await stack.waitFor(.succeeded, events: slowEvents)
            let slowDone = ContinuousClock.now - started
            print("measured: 50 fast deliveries done after \(fastDone) while the slow endpoint was blocked; 5 slow done \(slowDone) after start (released once the fast ones were done)")
            #expect(slow.received.count == 5)
            try await slow.stop()
            try await fast.stop()
            try await stack.stop()
        }

        /// Tasks are taken from the consumer a batch at a time: one whose endpoint's lane is full
        /// pauses its partition, and the tasks after it in the same batch go back to the consumer,
        /// to be read again when the partition resumes — none skipped, none sent twice.
        @Test func theTasksBehindAHeldOneInItsBatchAreReadAgainNotSkipped() async throws {
            var limits = EndpointLimits()
            limits.concurrency = 1
            limits.queueCapacity = 2
            let stack = try await DeliveryStack.start(partitions: 1, limits: limits)
            let receiver = try await Receiver.start { _ in .blockThenOK }
            _ = try await stack.putEndpoint("one", url: receiver.url)
            let events = (0..<20).map { "e-\($0)" }
            try await stack.produce(events.map { stack.task(event: $0, endpoint: "one") })
            try await TestEnvironment.eventually("the first request arrives and blocks") { receiver.received.count == 1 }
            // One sending, two queued, the fourth held: the lane is full for every later task.
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.received.count == 1)

            receiver.release()
            try await stack.waitFor(.succeeded, events: events)
            #expect(receiver.received.count == 20)
            #expect(Set(receiver.received.map(\.webhookID)).count == 20, "each task sent once")
            try await receiver.stop()
            try await stack.stop()
        }
    }
}

extension DeliveryIntegration {
    @Suite struct IsolationAndWatchTests {
        @Test func watchStreamsStatusChangesOfTheChosenEndpoint() async throws {
            let stack = try await DeliveryStack.start()
            let receiver = try await Receiver.start()
            _ = try await stack.putEndpoint("watched", url: receiver.url)
            _ = try await stack.putEndpoint("other", url: receiver.url)
            let seen: Herald_V1_DeliveryRecord? = try await stack.withDelivery { client in
                try await client.watchDeliveries(.with { $0.endpointID = "watched" }) { response -> Herald_V1_DeliveryRecord? in
                    try await stack.produce([stack.task(event: "w-1", endpoint: "other"), stack.task(event: "w-2", endpoint: "watched")])
                    for try await record in response.messages { return record }
                    return nil
                }
            }
            #expect(seen?.eventID == "w-2" && seen?.state == .succeeded && seen?.endpointID == "watched")
            try await receiver.stop()
            try await stack.stop()
        }

        @Test func anOpenCircuitBreakerStopsRequestsUntilItsProbe() async throws {
            var limits = EndpointLimits()
            limits.breakerFailureThreshold = 3
            limits.breakerOpenDuration = .seconds(2)
            let stack = try await DeliveryStack.start(names: DeliveryNames(retrySchedule: [.milliseconds(100)]), maxAttempts: 5, limits: limits)
            let receiver = try await Receiver.start { _ in .status(500) }
            _ = try await stack.putEndpoint("broken", url: receiver.url)
            try await stack.produce([stack.task(event: "b-1", endpoint: "broken")])
            try await stack.waitFor(.dead, events: ["b-1"])
            // Attempts 1–3 reach the endpoint and open the breaker. The next try is refused without a
            // request and without using an attempt (the refusal is Herald's, not the endpoint's
            // failure); it waits for the breaker to let a probe through: attempt 4, which fails and
            // opens the breaker again, so attempt 5 waits the same way and is the last.
            let requests = receiver.received
            #expect(requests.count == 5)
            if requests.count == 5 { #expect(requests[3].arrived - requests[2].arrived >= .seconds(1.5)) }
            let history = try await stack.statusRecords().filter { $0.eventID == "b-1" }
            #expect(history.map(\.attempts) == [1, 2, 3, 3, 4, 4, 5])
            let refusals = history.filter { $0.lastError.contains("circuit breaker") }
            #expect(refusals.map(\.attempts) == [3, 4] && refusals.allSatisfy { $0.lastStatusCode == 0 })
            try await receiver.stop()
            try await stack.stop()
        }

        /// A record that is not a delivery task is parked in the dead-letter topic with its reason
        /// (in the transaction that moves the offset past it), not skipped in silence; the task
        /// behind it in the same partition is delivered.
        @Test func anUndecodableTaskIsDeadLetteredWithItsReason() async throws {
            let stack = try await DeliveryStack.start()
            let receiver = try await Receiver.start()
            _ = try await stack.putEndpoint("hook", url: receiver.url)
            let producer = try KafkaProducer(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
            _ = try await producer.send(ProducerRecord(topic: stack.names.topics.deliveries, key: Array("hook".utf8), value: [0xFF, 0xFF, 0xFF, 0x01]))
            await producer.close()
            try await stack.produce([stack.task(event: "after", endpoint: "hook")])
            try await stack.waitFor(.succeeded, events: ["after"])
            try await TestEnvironment.eventually("the dead letter to be committed") {
                try await !Fixtures.readAll(topic: stack.names.topics.deadLetters).isEmpty
            }
            let letters = try await Fixtures.readAll(topic: stack.names.topics.deadLetters)
            #expect(letters.count == 1)
            let reason = String(decoding: letters.first?.header(DeadLetter.reasonHeader) ?? [], as: UTF8.self)
            #expect(reason.hasPrefix("not a delivery task"), "\(reason)")
            #expect(letters.first?.value == [0xFF, 0xFF, 0xFF, 0x01])
            #expect(try await stack.withDelivery { try await $0.listDeadLetters(.init()).deliveries }.isEmpty, "the API lists dead deliveries, not unreadable records")
            try await stack.stop()
        }

        @Test func aRateLimitedEndpointIsPacedByItsTokenBucket() async throws {
            let stack = try await DeliveryStack.start()
            let receiver = try await Receiver.start()
            _ = try await stack.putEndpoint("paced", url: receiver.url) { $0.rateLimitPerSecond = 4 }
            let events = (0..<12).map { "p-\($0)" }
            try await stack.produce(events.map { stack.task(event: $0, endpoint: "paced") })
            try await stack.waitFor(.succeeded, events: events)
            let arrivals = receiver.received.map(\.arrived).sorted()
            #expect(arrivals.count == 12)
            // A burst of 4, then 4 per second: the last 8 need at least 2 s.
            if arrivals.count == 12 { #expect(arrivals[11] - arrivals[0] >= .seconds(1.8)) }
            try await receiver.stop()
            try await stack.stop()
        }
    }
}
