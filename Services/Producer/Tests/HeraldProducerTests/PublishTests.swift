import Foundation
import GRPCCore
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension ProducerIntegration {
    @Suite struct PublishTests {
        @Test func publishedEventLandsWhereMurmur2SaysWithCloudEventsHeadersAndConfluentFraming() async throws {
            let stack = try await ProducerStack.start(partitions: 6)
            let schemaID = try await stack.registerOrderSchema()
            var event = orderEvent(id: "e-1")
            event.time = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: 123_000_000)
            let response = try await stack.withProducer { try await $0.publish(.with { $0.event = event }) }
            #expect(response.id == "e-1")
            #expect(response.schemaID == schemaID)
            let key = "com.example.order.shipped|/orders"
            #expect(response.partition == Murmur2.partition(forKey: Array(key.utf8), partitionCount: 6))

            let records = try await stack.committedRecords()
            #expect(records.count == 1)
            let record = try #require(records.first)
            #expect(record.partition == response.partition && record.offset == response.offset)
            #expect(record.key == Array(key.utf8))
            let headers = Dictionary(record.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) }, uniquingKeysWith: { a, _ in a })
            #expect(headers["ce_id"] == "e-1")
            #expect(headers["ce_source"] == "/orders")
            #expect(headers["ce_type"] == "com.example.order.shipped")
            #expect(headers["ce_specversion"] == "1.0")
            #expect(headers["ce_time"] == "2023-11-14T22:13:20.123Z")
            #expect(headers["ce_subject"] == "order-e-1")
            #expect(headers["ce_dataschema"]?.hasSuffix("/schemas/ids/\(schemaID)") == true)
            #expect(headers["ce_tenant"] == "acme")
            #expect(headers["content-type"] == "application/avro")

            let (framedID, payload) = try ConfluentWireFormat.parse(try #require(record.value))
            #expect(framedID == schemaID)
            let schema = try AvroSchema(parsing: ProducerTestEnvironment.orderSchema)
            #expect(try schema.jsonText(for: schema.decode(payload), style: .natural) == #"{"order_id":"o-1","items":2,"carrier":null}"#)
            try await stack.stop()
        }

        @Test func rejectionsNameTheProblemAndWriteNothing() async throws {
            let stack = try await ProducerStack.start()
            _ = try await stack.registerOrderSchema()
            let before = try await stack.endOffsets()
            try await stack.withProducer { producer in
                var missingSource = orderEvent(id: "x")
                missingSource.source = ""
                var badSource = orderEvent(id: "x")
                badSource.source = "not a uri"
                var unknownSchema = orderEvent(id: "x")
                unknownSchema.schema.subject = "nobody-value"
                var unknownID = orderEvent(id: "x")
                unknownID.schema = .with { $0.id = 4242 }
                var binaryGarbage = orderEvent(id: "x")
                binaryGarbage.avro = Data([0xFF, 0xFF, 0xFF])
                var oversized = orderEvent(id: "x")
                oversized.json = #"{"order_id":""# + String(repeating: "x", count: 1 << 20) + #"","items":1}"#
                var noData = orderEvent(id: "x")
                noData.data = nil
                let cases: [(Herald_V1_Event, RPCError.Code, String)] = [
                    (missingSource, .invalidArgument, "event.source"),
                    (badSource, .invalidArgument, "event.source"),
                    (orderEvent(id: "x", json: #"{"order_id":"o","items":"two"}"#), .invalidArgument, "items"),
                    (orderEvent(id: "x", json: #"{"order_id":"o"}"#), .invalidArgument, "items"),
                    (binaryGarbage, .invalidArgument, "does not match"),
                    (noData, .invalidArgument, "event.data"),
                    (unknownSchema, .notFound, "nobody-value"),
                    (unknownID, .notFound, "4242"),
                    (oversized, .resourceExhausted, "limit"),
                ]
                for (event, code, fragment) in cases {
                    do {
                        _ = try await producer.publish(.with { $0.event = event })
                        Issue.record("expected \(code) mentioning \(fragment)")
                    } catch let error as RPCError {
                        #expect(error.code == code, "\(error)")
                        #expect(error.message.contains(fragment), "\(error.message) should name \(fragment)")
                    }
                }
            }
            #expect(try await stack.endOffsets() == before, "a rejected event was written")
            try await stack.stop()
        }

        /// The whole event counts against the event limit, so an event always fits through the
        /// router's and the delivery service's envelopes, and never fails the transaction it shares.
        @Test func theWholeEventIsLimitedAtIngestWithRoomForLaterEnvelopes() async throws {
            let stack = try await ProducerStack.start()
            _ = try await stack.registerOrderSchema()
            let before = try await stack.endOffsets()
            try await stack.withProducer { producer in
                var heavyAttributes = orderEvent(id: "big-attributes", json: #"{"order_id":""# + String(repeating: "x", count: 900_000) + #"","items":1}"#)
                heavyAttributes.extensions = ["padding": String(repeating: "p", count: 100_000)]
                var heavyExtensionsOnly = orderEvent(id: "big-extensions")
                heavyExtensionsOnly.extensions = ["padding": String(repeating: "p", count: 2_000_000)]
                for event in [heavyAttributes, heavyExtensionsOnly] {
                    do {
                        _ = try await producer.publish(.with { $0.event = event })
                        Issue.record("accepted \(event.id) over the event limit")
                    } catch let error as RPCError {
                        #expect(error.code == .resourceExhausted && error.message.contains("event limit"), "\(error)")
                    }
                }
            }
            #expect(try await stack.endOffsets() == before, "a rejected event was written")
            // Just under the limit: accepted, and committed with a small event sharing its transaction.
            try await stack.withProducer { producer in
                let near = orderEvent(id: "near-limit", json: #"{"order_id":""# + String(repeating: "y", count: RecordSize.maxEventBytes - 2_000) + #"","items":1}"#)
                async let small = producer.publish(.with { $0.event = orderEvent(id: "small") })
                _ = try await producer.publish(.with { $0.event = near })
                _ = try await small
            }
            let ids = try await stack.committedRecords().compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(ids.sorted() == ["near-limit", "small"])
            try await stack.stop()
        }

        @Test func batchIsAllOrNothingAndStreamGoesOnAfterABadEvent() async throws {
            let stack = try await ProducerStack.start()
            _ = try await stack.registerOrderSchema()
            let schema = try AvroSchema(parsing: ProducerTestEnvironment.orderSchema)
            try await stack.withProducer { producer in
                var bad = orderEvent(id: "b-2")
                bad.type = ""
                do {
                    _ = try await producer.publishBatch(.with { $0.events = [orderEvent(id: "b-1"), bad, orderEvent(id: "b-3")] })
                    Issue.record("a batch with a bad event was accepted")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("events[1]"), "\(error.message)")
                }
                #expect(try await stack.committedRecords().isEmpty)

                var binary = orderEvent(id: "b-5")
                binary.avro = Data(try schema.encodeJSON(#"{"order_id":"o-5","items":5,"carrier":{"string":"ups"}}"#))
                let batch = try await producer.publishBatch(.with { $0.events = [orderEvent(id: "b-4"), binary] })
                #expect(batch.results.map(\.id) == ["b-4", "b-5"])

                let answers = try await producer.publishStream(
                    request: StreamingClientRequest(of: Herald_V1_PublishRequest.self) { writer in
                        for id in ["s-1", "s-2", "s-3"] {
                            var event = orderEvent(id: id)
                            if id == "s-2" { event.json = #"{"nope":1}"# }
                            try await writer.write(.with { $0.event = event })
                        }
                    }
                ) { response in
                    var answers: [Herald_V1_PublishResponse] = []
                    for try await message in response.messages { answers.append(message) }
                    return answers
                }
                #expect(answers.map(\.id) == ["s-1", "s-2", "s-3"])
                #expect(answers.map(\.errorCode) == [0, Int32(RPCError.Code.invalidArgument.rawValue), 0])
                #expect(!answers[1].errorMessage.isEmpty)
            }
            let ids = try await stack.committedRecords().compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(Set(ids) == ["b-4", "b-5", "s-1", "s-3"])
            try await stack.stop()
        }

        /// Written without waiting for answers, the events reach the producer in runs (one
        /// submission each), so the bad ones sit inside runs: every event still gets its own answer
        /// at its own index, and the good ones are written once each, in stream order per partition.
        @Test func streamAnswersEveryEventOfItsRunsAtItsOwnIndex() async throws {
            let stack = try await ProducerStack.start()
            _ = try await stack.registerOrderSchema()
            let ids = (0..<400).map { "r-\($0)" }
            // At the start, side by side, alone in the middle, at the end; two kinds of rejection.
            let badPayload: Set<Int> = [0, 57, 58, 200]
            let badSource: Set<Int> = [1, 201, 399]
            let answers = try await stack.withProducer { producer in
                try await producer.publishStream(
                    request: StreamingClientRequest(of: Herald_V1_PublishRequest.self) { writer in
                        for (index, id) in ids.enumerated() {
                            var event = orderEvent(id: id, source: "/orders/\(index % 3)")
                            if badPayload.contains(index) { event.json = #"{"nope":1}"# }
                            if badSource.contains(index) { event.source = "" }
                            try await writer.write(.with { $0.event = event })
                        }
                    }
                ) { response in
                    var answers: [Herald_V1_PublishResponse] = []
                    for try await message in response.messages { answers.append(message) }
                    return answers
                }
            }
            #expect(answers.map(\.id) == ids)
            for (index, answer) in answers.enumerated() {
                let bad = badPayload.contains(index) || badSource.contains(index)
                #expect(answer.errorCode == (bad ? Int32(RPCError.Code.invalidArgument.rawValue) : 0), "\(answer.id): \(answer.errorMessage)")
                if badPayload.contains(index) { #expect(answer.errorMessage.contains("does not match schema"), "\(answer.errorMessage)") }
                if badSource.contains(index) { #expect(answer.errorMessage.contains("source"), "\(answer.errorMessage)") }
            }

            let committed = try await stack.committedRecords()
            let written = committed.compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            let good = ids.indices.filter { !badPayload.contains($0) && !badSource.contains($0) }
            #expect(written.count == good.count)
            #expect(Set(written) == Set(good.map { ids[$0] }))
            // Each answer names the very record written for its event.
            let answered = Dictionary(uniqueKeysWithValues: answers.filter { $0.errorCode == 0 }.map { ($0.id, ($0.partition, $0.offset)) })
            for record in committed {
                let id = String(decoding: record.header("ce_id") ?? [], as: UTF8.self)
                #expect(answered[id].map { $0 == (record.partition, record.offset) } == true, "\(id) answered \(String(describing: answered[id]))")
            }
            // Within a partition the stream's order is kept.
            for partition in Set(committed.map(\.partition)) {
                let order = committed.filter { $0.partition == partition }.sorted { $0.offset < $1.offset }
                    .map { Int(String(decoding: $0.header("ce_id") ?? [], as: UTF8.self).dropFirst(2))! }
                #expect(order == order.sorted(), "partition \(partition)")
            }
            try await stack.stop()
        }

        @Test func concurrentCallsShareTransactionsAndEachIsWrittenOnce() async throws {
            let stack = try await ProducerStack.start()
            _ = try await stack.registerOrderSchema()
            let ids = (0..<300).map { "c-\($0)" }
            try await stack.withProducer { producer in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for id in ids {
                        group.addTask { _ = try await producer.publish(.with { $0.event = orderEvent(id: id, source: "/orders/\(Int(id.dropFirst(2))! % 7)") }) }
                    }
                    try await group.waitForAll()
                }
            }
            let written = try await stack.committedRecords().compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
            #expect(written.count == ids.count)
            #expect(Set(written) == Set(ids))
            try await stack.stop()
        }

        @Test func unreachableRegistryIsUnavailableAndWritesNothing() async throws {
            let stack = try await ProducerStack.start(registryAddress: "127.0.0.1:1")
            try await stack.withProducer { producer in
                do {
                    _ = try await producer.publish(.with { $0.event = orderEvent(id: "u-1") })
                    Issue.record("published without a registry")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable, "\(error)")
                    #expect(error.message.contains("registry"), "\(error.message)")
                }
            }
            #expect(try await stack.endOffsets().allSatisfy { $0 == 0 })
            try await stack.stop()
        }
    }
}
