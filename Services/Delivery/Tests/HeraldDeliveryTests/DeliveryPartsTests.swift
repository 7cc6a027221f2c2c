import Foundation
import HeraldProtos
import SwiftProtobuf
import Testing
@testable import HeraldDelivery

@Suite struct TaskDeadLetterTests {
    @Test func aTaskOverTheRecordLimitLosesItsPayloadAndSaysSo() throws {
        let task = Herald_V1_DeliveryTask.with {
            $0.deliveryID = "d-1"
            $0.endpointID = "e"
            $0.payload = Data(repeating: 1, count: 5000)
            $0.lastError = "HTTP 500"
        }
        let small = TaskDeadLetters.fitted(task, key: [1], maxRecordBytes: 10_000)
        let expected: [UInt8] = try task.serializedBytes()
        #expect(!small.payloadDropped && small.bytes == expected)
        let fitted = TaskDeadLetters.fitted(task, key: [1], maxRecordBytes: 4000)
        #expect(fitted.payloadDropped && fitted.bytes.count < 4000)
        let slim = try Herald_V1_DeliveryTask(serializedBytes: fitted.bytes)
        #expect(slim.payload.isEmpty && slim.deliveryID == "d-1")
        #expect(slim.lastError.hasPrefix("payload of 5000 bytes dropped") && slim.lastError.hasSuffix("HTTP 500"))
    }

    @Test func errorsAreCappedAtACharacterBoundary() {
        let long = String(repeating: "é", count: 3000)
        let capped = TaskDeadLetters.capped(long)
        #expect(capped.utf8.count <= TaskDeadLetters.maxErrorBytes && capped.allSatisfy { $0 == "é" } && !capped.isEmpty)
        #expect(TaskDeadLetters.capped("short") == "short")
    }
}

@Suite struct AddressPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", IPAddress.Classification.loopback), ("127.255.0.9", .loopback), ("10.0.0.1", .private),
        ("172.16.0.1", .private), ("172.31.255.255", .private), ("172.32.0.1", .public), ("192.168.1.1", .private),
        ("169.254.169.254", .linkLocal), ("0.0.0.0", .unspecified), ("100.64.0.1", .private), ("224.0.0.1", .multicast),
        ("8.8.8.8", .public), ("93.184.216.34", .public), ("::1", .loopback), ("::", .unspecified), ("fe80::1", .linkLocal),
        ("fd00::1", .private), ("fc00::1", .private), ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .private),
        ("64:ff9b::a9fe:a9fe", .linkLocal), ("2606:4700::1111", .public), ("ff02::1", .multicast),
        // IPv4-compatible, local NAT64, 6to4 and Teredo (server, then the obfuscated client) carry an IPv4 address.
        ("::127.0.0.1", .loopback), ("::10.0.0.1", .private), ("64:ff9b:1::a00:1", .private),
        ("2002:7f00:1::", .loopback), ("2002:a9fe:a9fe::1", .linkLocal), ("2002:808:808::1", .public),
        ("2001:0:7f00:1::", .loopback), ("2001:0:5ef5:79fb:0:0:f5ff:fffe", .private), ("2001:0:5ef5:79fb::f7f7:f7f7", .public),
    ])
    func classifiesAddresses(text: String, expected: IPAddress.Classification) throws {
        #expect(try #require(IPAddress(text)).classification == expected)
    }

    @Test func refusesNonPublicTargetsAndOtherSchemes() {
        let guarded = EndpointAddressPolicy(allowsPrivateAddresses: false)
        for url in ["http://127.0.0.1:8080/hook", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://[::1]:9000/",
                    "http://localhost/hook", "http://0.0.0.0/", "https://[fe80::1]/", "ftp://93.184.216.34/", "file:///etc/passwd",
                    "/relative", "http://user:pw@93.184.216.34/"] {
            #expect(throws: EndpointAddressPolicy.Refusal.self, "\(url)") { try guarded.checkBlocking(url) }
        }
        #expect(throws: Never.self) { try guarded.checkBlocking("https://93.184.216.34/hook") }
        let open = EndpointAddressPolicy(allowsPrivateAddresses: true)
        #expect(throws: Never.self) { try open.checkBlocking("http://127.0.0.1:8080/hook") }
        #expect(throws: EndpointAddressPolicy.Refusal.self) { try open.checkBlocking("gopher://127.0.0.1/") }
    }
}

@Suite struct SignatureAndSecretTests {
    /// The Standard Webhooks reference vector.
    @Test func matchesTheStandardWebhooksReferenceVector() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signature = secret.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(secret.verify(signatureHeader: "v1,bogus \(signature)", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body))
        #expect(!secret.verify(signatureHeader: signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_331, body: body))
    }

    /// A secret keeps its keyed HMAC and signs from a copy of it: one signature leaves nothing behind for the next.
    @Test func eachSignatureIsIndependentOfTheOnesBefore() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        _ = secret.signature(id: "msg_other", timestamp: 1, body: Array("something else".utf8))
        #expect(secret.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
            == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func generatedSecretsAre32RandomBytesAndInvalidOnesAreRefused() throws {
        let a = WebhookSecret.generate(), b = WebhookSecret.generate()
        #expect(a.hasPrefix("whsec_") && a != b)
        #expect(try WebhookSecret(a).key.count == 32)
        #expect(throws: WebhookSecret.Invalid.self) { try WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        #expect(throws: WebhookSecret.Invalid.self) { try WebhookSecret("whsec_***") }
        #expect(throws: WebhookSecret.Invalid.self) { try WebhookSecret("whsec_AAAA") }
    }

    @Test func secretBoxRoundTripsAndNeverStoresThePlaintext() throws {
        let box = try SecretBox(key: Array(repeating: 7, count: 32))
        let sealed = try box.seal("whsec_secret-value")
        #expect(!sealed.contains("secret-value"))
        #expect(try box.open(sealed) == "whsec_secret-value")
        #expect(try box.seal("whsec_secret-value") != sealed, "a fresh nonce each time")
        let other = try SecretBox(key: Array(repeating: 8, count: 32))
        #expect(throws: (any Error).self) { try other.open(sealed) }
        #expect(throws: SecretBox.Failure.self) { try SecretBox(key: [1, 2, 3]) }
    }

    @Test func bodyIsCloudEventsStructuredJSONWithDataAndSortedExtensions() throws {
        let task = Herald_V1_DeliveryTask.with {
            $0.eventID = "e-1"
            $0.eventSource = "/orders"
            $0.eventType = "com.example.order.shipped"
            $0.eventSubject = "o \"1\""
            $0.eventTime = .init(seconds: 1_700_000_000, nanos: 0)
            $0.eventDataschema = "http://registry/schemas/ids/3"
            $0.eventExtensions = ["zeta": "z", "tenant": "acme"]
        }
        let body = String(decoding: CloudEventBody.render(task, dataJSON: #"{"a":1}"#), as: UTF8.self)
        #expect(body == #"{"specversion":"1.0","id":"e-1","source":"/orders","type":"com.example.order.shipped","subject":"o \"1\"","time":"2023-11-14T22:13:20Z","datacontenttype":"application/json","dataschema":"http://registry/schemas/ids/3","tenant":"acme","zeta":"z","data":{"a":1}}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(body.utf8)) is [String: Any])
    }

    @Test func cloudEventBodyEscapesControlCharactersQuotesAndBackslashesAndKeepsOtherTextAsItIs() throws {
        let awkward = "a\"b\\c\n\r\t\u{01}\u{1F}\u{7F} é 🚚 ✓"
        let task = Herald_V1_DeliveryTask.with {
            $0.eventID = awkward
            $0.eventSource = "/s"
            $0.eventType = "t"
            $0.eventExtensions = ["x": awkward]
        }
        let body = String(decoding: CloudEventBody.render(task, dataJSON: "null"), as: UTF8.self)
        let literal = #""a\"b\\c\n\r\t\u0001\u001f\#u{7F} é 🚚 ✓""#
        #expect(body == #"{"specversion":"1.0","id":"# + literal + #","source":"/s","type":"t","datacontenttype":"application/json","x":"# + literal + #","data":null}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(parsed["id"] as? String == awkward && parsed["x"] as? String == awkward)
    }
}

@Suite struct BoundedRelayTests {
    @Test func aConsumerThatFallsBehindIsCutOffNotBufferedWithoutLimit() async {
        let relay = BoundedRelay<Int>(capacity: 3)
        var passed = 0
        for value in 0..<10 where relay.yield(value) { passed += 1 }
        #expect(passed == 3 && relay.overflowed)
        var received: [Int] = []
        for await value in relay.elements { received.append(value) }
        #expect(received == [0, 1, 2], "what was buffered is delivered, then the relay ends")
    }

    @Test func aConsumerThatKeepsUpGetsEverything() async {
        let relay = BoundedRelay<Int>(capacity: 3)
        let consumer = Task {
            var received: [Int] = []
            for await value in relay.elements { received.append(value) }
            return received
        }
        for value in 0..<3 { relay.yield(value) }
        relay.finish()
        #expect(await consumer.value == [0, 1, 2] && !relay.overflowed)
    }
}
