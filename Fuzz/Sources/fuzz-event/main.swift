import Foundation
import FuzzEncoder
import FuzzRegistry
import FuzzSupport
import GRPCCore
import HeraldAvro
import HeraldCore
import HeraldKafka
import HeraldProducer
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import SwiftProtobuf

/// Event validation at ingest: an event built from the input goes through the producer's own
/// `EventEncoder` (attribute rules, trace context, payload against its schema, payload and whole
/// event size limits), its schema resolved by the producer's `SchemaResolver` from a registry
/// served over a loopback socket, its log held in memory. The input: a flags byte (bit 0: a
/// time follows; bits 1–2: how the schema is named; bit 3: Avro payload, else JSON; bit 4: no
/// payload; bit 5: strict JSON), id, source, type and subject (each up to a zero byte), the time
/// (12 bytes) and the schema reference, an extension count byte and that many name and value
/// parts, then the payload. An event is either refused with a clear status (invalid argument,
/// not found, resource exhausted, with a message) or encoded into a record that passes
/// validation, reads back from its headers unchanged, is framed with the schema it was checked
/// against, and fits the limits.
let fuzzRegistry = FuzzRegistry()
let maxPayloadBytes = 2048
let maxEventBytes = 3072
let encoders = blocking { await startEventEncoders(registry: fuzzRegistry.registry, maxPayloadBytes: maxPayloadBytes, maxEventBytes: maxEventBytes) }
let subjects = ["orders-value", "invoice-value", "customer"]

runLibFuzzer(detectingLeaks: false) { data, count in
    var input = FuzzInput(data, count)
    let flags = input.byte()
    var event = Herald_V1_Event()
    event.id = input.string()
    event.source = input.string()
    event.type = input.string()
    event.subject = input.string()
    if flags & 1 != 0 {
        event.time = .with {
            $0.seconds = Int64(bitPattern: input.integer(bytes: 8))
            $0.nanos = Int32(truncatingIfNeeded: input.integer(bytes: 4))
        }
    }
    switch (flags >> 1) & 3 {
    case 0: event.schema.subject = subjects[Int(input.byte()) % subjects.count]
    case 1:
        event.schema.subject = subjects[Int(input.byte()) % subjects.count]
        event.schema.version = Int32(truncatingIfNeeded: input.integer(bytes: 4))
    case 2: event.schema.id = Int32(truncatingIfNeeded: input.integer(bytes: 4))
    default:
        event.schema.subject = input.string()
        event.schema.version = Int32(truncatingIfNeeded: input.integer(bytes: 4))
        event.schema.id = Int32(truncatingIfNeeded: input.integer(bytes: 4))
    }
    for _ in 0..<(input.byte() % 6) {
        let name = input.string()
        event.extensions[name] = input.string()
    }
    if flags & 16 == 0 {
        if flags & 8 != 0 { event.avro = Data(input.rest()) } else { event.json = String(decoding: input.rest(), as: UTF8.self) }
    }
    let encoder = encoders[flags & 32 != 0 ? 1 : 0]
    let published = event
    let outcome = blocking { () async -> Result<EncodedEvent, PublishError> in
        do throws(PublishError) {
            return .success(try await encoder.encode(published, receivedAt: Date()))
        } catch {
            return .failure(error)
        }
    }
    switch outcome {
    case .failure(let error):
        guard [.invalidArgument, .notFound, .resourceExhausted].contains(error.code), !error.message.isEmpty else {
            fuzzFailure("\(event) refused with \(error)")
        }
    case .success(let encoded):
        check(encoded, of: event)
    }
    return 0
}

func check(_ encoded: EncodedEvent, of event: Herald_V1_Event) {
    do {
        try encoded.attributes.validate()
    } catch {
        fuzzFailure("accepted attributes fail validation: \(error) (\(event))")
    }
    let headers = encoded.headers.map { RecordHeader(name: $0.name, value: $0.value ?? []) }
    guard (try? CloudEventsKafkaBinding.attributes(from: headers)) == encoded.attributes else {
        fuzzFailure("the headers of \(event) do not read back as its attributes")
    }
    guard let framed = try? ConfluentWireFormat.parse(encoded.value), framed.schemaID == encoded.schemaID,
          encoded.attributes.dataSchema.hasSuffix("/schemas/ids/\(encoded.schemaID)") == true
    else { fuzzFailure("the record of \(event) is not framed with schema \(encoded.schemaID)") }
    let size = RecordSize.of(keyBytes: 0, valueBytes: encoded.value.count, headers: headers)
    guard encoded.value.count <= maxPayloadBytes, size <= maxEventBytes else {
        fuzzFailure("an accepted event of \(size) bytes (value \(encoded.value.count)) is over the limits")
    }
}
