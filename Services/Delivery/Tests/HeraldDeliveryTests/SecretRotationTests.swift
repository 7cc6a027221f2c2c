import Foundation
import GRPCCore
import HeraldDelivery
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension DeliveryIntegration {
    @Suite struct SecretRotationTests {
        /// After a rotation both secrets sign, so a receiver still verifying with the old one and one
        /// already on the new one both accept; after the overlap only the new one signs and the old
        /// one is gone from the endpoints topic.
        @Test func duringTheOverlapBothSecretsSignThenOnlyTheNewOne() async throws {
            let stack = try await DeliveryStack.start(secretRotationOverlap: .seconds(10))
            let receiver = try await Receiver.start()
            let old = WebhookSecret.generate(), new = WebhookSecret.generate()
            _ = try await stack.putEndpoint("rotating", url: receiver.url, secret: old)
            let rotated = try await stack.putEndpoint("rotating", url: receiver.url, secret: new)
            #expect(rotated.hasPreviousSecretExpiresAt && rotated.previousSecret.isEmpty && rotated.secret.isEmpty)

            try await stack.produce([stack.task(event: "during", endpoint: "rotating")])
            try await stack.waitFor(.succeeded, events: ["during"])
            let during = try #require(receiver.received.first { $0.webhookID == "d-during-rotating" })
            #expect(during.signature.split(separator: " ").count == 2, "\(during.signature)")
            #expect(try verifyWithPython(secret: old, received: during) == "ok")
            #expect(try verifyWithPython(secret: new, received: during) == "ok")

            try await TestEnvironment.eventually("the previous secret dropped after the overlap") {
                try await stack.withDelivery { try await !$0.getEndpoint(.with { $0.id = "rotating" }).endpoint.hasPreviousSecretExpiresAt }
            }
            let stored = try await Fixtures.readAll(topic: stack.names.topics.endpoints).last { String(decoding: $0.key ?? [], as: UTF8.self) == "rotating" }
            #expect(try Herald_V1_Endpoint(serializedBytes: try #require(stored?.value)).previousSecret.isEmpty)

            try await stack.produce([stack.task(event: "after", endpoint: "rotating")])
            try await stack.waitFor(.succeeded, events: ["after"])
            let after = try #require(receiver.received.first { $0.webhookID == "d-after-rotating" })
            #expect(!after.signature.contains(" "), "\(after.signature)")
            #expect(try verifyWithPython(secret: new, received: after) == "ok")
            #expect(try verifyWithPython(secret: old, received: after) != "ok")
            try await receiver.stop()
            try await stack.stop()
        }

        /// Sends reuse what they worked out of an endpoint (its secrets opened, its URL parsed, its
        /// headers merged) only while the endpoint is unchanged: the first send after a change of
        /// URL, headers and secret goes to the new URL with the new headers, signed with the new secret.
        @Test func theFirstSendAfterAnEndpointChangesUsesItsNewURLHeadersAndSecret() async throws {
            let stack = try await DeliveryStack.start(secretRotationOverlap: .zero)
            let before = try await Receiver.start(), after = try await Receiver.start()
            let old = WebhookSecret.generate(), new = WebhookSecret.generate()
            _ = try await stack.putEndpoint("changing", url: before.url, secret: old) { $0.secretHeaders = ["authorization": "Bearer old"] }
            try await stack.produce([stack.task(event: "first", endpoint: "changing")])
            try await stack.waitFor(.succeeded, events: ["first"])
            let first = try #require(before.received.first { $0.webhookID == "d-first-changing" })
            #expect(try verifyWithPython(secret: old, received: first) == "ok")
            #expect(first.headers["authorization"] == "Bearer old")

            _ = try await stack.putEndpoint("changing", url: after.url, secret: new) { $0.secretHeaders = ["authorization": "Bearer new"] }
            try await stack.produce([stack.task(event: "second", endpoint: "changing")])
            try await stack.waitFor(.succeeded, events: ["second"])
            #expect(!before.received.contains { $0.webhookID == "d-second-changing" }, "sent to the endpoint's old URL")
            let second = try #require(after.received.first { $0.webhookID == "d-second-changing" })
            #expect(try verifyWithPython(secret: new, received: second) == "ok")
            #expect(try verifyWithPython(secret: old, received: second) != "ok", "signed with the replaced secret")
            #expect(second.headers["authorization"] == "Bearer new")
            try await before.stop()
            try await after.stop()
            try await stack.stop()
        }

        /// Secret header values are sent in clear, stored sealed, and answered redacted.
        @Test func secretHeadersAreSentButNeverAnsweredOrStoredInClear() async throws {
            let stack = try await DeliveryStack.start()
            let receiver = try await Receiver.start()
            let token = "Bearer token-\(UUID().uuidString)"
            let put = try await stack.putEndpoint("guarded", url: receiver.url) {
                $0.headers = ["x-tenant": "acme"]
                $0.secretHeaders = ["authorization": token]
            }
            #expect(put.secretHeaders == ["authorization": "<redacted>"] && put.headers == ["x-tenant": "acme"])
            try await stack.withDelivery { client in
                #expect(try await client.getEndpoint(.with { $0.id = "guarded" }).endpoint.secretHeaders == ["authorization": "<redacted>"])
                #expect(try await client.listEndpoints(.init()).endpoints.map(\.secretHeaders) == [["authorization": "<redacted>"]])
                // Put back as answered: the stored value stays.
                var answered = try await client.getEndpoint(.with { $0.id = "guarded" }).endpoint
                answered.description_p = "updated"
                _ = try await client.putEndpoint(.with { $0.endpoint = answered })
                do {
                    _ = try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "x"; $0.url = receiver.url; $0.secretHeaders = ["authorization": "<redacted>"] } })
                    Issue.record("kept a secret header value that was never stored")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument && error.message.contains("secret_headers['authorization']"), "\(error)")
                }
            }
            try await stack.produce([stack.task(event: "h-1", endpoint: "guarded")])
            try await stack.waitFor(.succeeded, events: ["h-1"])
            let request = try #require(receiver.received.first)
            #expect(request.headers["authorization"] == token && request.headers["x-tenant"] == "acme")

            let raw = try await Fixtures.readAll(topic: stack.names.topics.endpoints)
            #expect(raw.count >= 2)
            #expect(raw.allSatisfy { !String(decoding: $0.value ?? [], as: UTF8.self).contains("token-") })
            try await receiver.stop()
            try await stack.stop()
        }

        /// Master keys rotate without downtime: secrets sealed with key A (and with the id-less form
        /// of earlier versions) open after key B is added as the newest, and new ones are sealed with B.
        @Test func anAddedMasterKeySealsWhileTheOlderOnesStillOpen() async throws {
            let registry = try await TestRegistry.start()
            let receiver = try await Receiver.start()
            let names = DeliveryNames()
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("herald-keys-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: keyFile) }
            let lineA = MasterKeys.generateLine(id: "key-a"), lineB = MasterKeys.generateLine(id: "key-b")
            try Data("# master keys, oldest first\n\(lineA)\n".utf8).write(to: URL(fileURLWithPath: keyFile))

            // An endpoint sealed the way earlier versions did: no key id.
            let legacySecret = WebhookSecret.generate()
            let sealedByA = try SecretBox(keys: try MasterKeys(parsing: lineA, origin: "test")).seal(legacySecret)
            let legacy = Herald_V1_Endpoint.with {
                $0.id = "legacy"; $0.url = receiver.url; $0.enabled = true
                $0.secret = "aesgcm:" + sealedByA.dropFirst("aesgcm:key-a:".count)
            }
            let admin = try KafkaAdmin(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
            try await admin.createTopic(names.topics.endpoints, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
            await admin.close()
            let producer = try KafkaProducer(configuration: TestEnvironment.kafka(), logger: TestEnvironment.logger)
            _ = try await producer.send(ProducerRecord(topic: names.topics.endpoints, key: Array("legacy".utf8), value: try legacy.serializedBytes()))
            await producer.close()

            let arguments = ["--secret-key-file", keyFile]
            let first = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "mk-0", arguments: arguments, secretKey: nil)
            _ = try await DeliveryStack.withDelivery(port: first.grpcPort) { client in
                try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "by-a"; $0.url = receiver.url; $0.enabled = true } })
            }
            #expect(first.terminate() == 0)

            try Data("\(lineA)\n\(lineB)\n".utf8).write(to: URL(fileURLWithPath: keyFile))
            let second = try await DeliveryProcess.start(names: names, registryPort: registry.port, instance: "mk-0", arguments: arguments, secretKey: nil)
            let secretB = WebhookSecret.generate()
            _ = try await DeliveryStack.withDelivery(port: second.grpcPort) { client in
                try await client.putEndpoint(.with { $0.endpoint = .with { $0.id = "by-b"; $0.url = receiver.url; $0.secret = secretB; $0.enabled = true } })
            }
            try await Fixtures.produce(["legacy", "by-a", "by-b"].map { Fixtures.task(event: "mk", endpoint: $0, schemaID: registry.schemaID) },
                                       topic: names.topics.deliveries)
            try await TestEnvironment.eventually("all three endpoints delivered") { receiver.received.count >= 3 }
            let toLegacy = try #require(receiver.received.first { $0.webhookID == "d-mk-legacy" })
            #expect(try verifyWithPython(secret: legacySecret, received: toLegacy) == "ok")
            let toB = try #require(receiver.received.first { $0.webhookID == "d-mk-by-b" })
            #expect(try verifyWithPython(secret: secretB, received: toB) == "ok")
            #expect(second.terminate() == 0)

            var sealedWith: [String: String?] = [:]
            for record in try await Fixtures.readAll(topic: names.topics.endpoints) {
                let endpoint = try Herald_V1_Endpoint(serializedBytes: try #require(record.value))
                sealedWith.updateValue(SecretBox.keyID(of: endpoint.secret), forKey: endpoint.id)
            }
            #expect(sealedWith == ["legacy": nil, "by-a": "key-a", "by-b": "key-b"])
            try await receiver.stop()
            try await registry.stop()
        }

        /// Outside `herald dev` there is no default key: the service says which option it needs.
        @Test func withoutAKeyFileTheServiceRefusesToStart() async throws {
            let process = Process()
            process.executableURL = try ServiceProcess.builtExecutable("herald-delivery")
            process.arguments = ["--kafka-brokers", TestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0"]
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HERALD_SECRET_KEY") }
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0)
            #expect(message.contains("--secret-key-file") && message.contains("HERALD_SECRET_KEY"), "\(message)")
        }
    }
}
