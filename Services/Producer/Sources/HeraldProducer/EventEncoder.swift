public import Foundation
public import GRPCCore
public import HeraldAvro
public import HeraldCore
public import HeraldKafka
public import HeraldProtos
public import HeraldRuntime
import SwiftProtobuf

/// A rejected publish: the gRPC status the caller gets and a message naming what and where.
public struct PublishError: ServiceCallError {
    public let code: RPCError.Code
    public let message: String

    public init(_ code: RPCError.Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The same error about the event at `index` of a batch.
    func at(index: Int) -> PublishError {
        PublishError(code, "events[\(index)]: \(message)")
    }
}

/// An event ready for Kafka: validated, encoded, framed, with its record key and headers.
public struct EncodedEvent: Sendable {
    public let attributes: EventAttributes
    public let schemaID: Int32
    public let key: [UInt8]
    public let value: [UInt8]
    public let headers: [KafkaHeader]
}

/// Turns a published `Event` into a record, or says exactly what is wrong with it: the ingest
/// checks of every publish RPC (public for the fuzz target that feeds it hostile events).
public struct EventEncoder: Sendable {
    let resolver: SchemaResolver
    /// Largest accepted payload (JSON text or Avro bytes as sent, and the framed record value).
    let maxPayloadBytes: Int
    /// Largest accepted event: attributes, extensions and framed payload as one record, so that
    /// every later stage's envelope still fits below the record limit (`RecordSize`).
    let maxEventBytes: Int
    let jsonMode: AvroJSONMode
    /// Prefix of `ce_dataschema`: the registry's REST URL, so a reader can fetch the schema by id.
    let schemaURLBase: String

    public init(resolver: SchemaResolver, maxPayloadBytes: Int, maxEventBytes: Int, jsonMode: AvroJSONMode, schemaURLBase: String) {
        self.resolver = resolver
        self.maxPayloadBytes = maxPayloadBytes
        self.maxEventBytes = maxEventBytes
        self.jsonMode = jsonMode
        self.schemaURLBase = schemaURLBase
    }

    public func encode(_ event: Herald_V1_Event, receivedAt now: Date) async throws(PublishError) -> EncodedEvent {
        var attributes = EventAttributes(
            id: event.id, source: event.source, type: event.type, subject: event.subject,
            time: event.hasTime
                ? EventTimestamp(secondsSinceEpoch: event.time.seconds, nanoseconds: event.time.nanos)
                : EventTimestamp(date: now),
            extensions: event.extensions)
        // The publish is a step of the caller's trace (or starts one): the event carries it on.
        let publish = PublishSpan(event, caller: CallerTraceContext.current)
        defer { publish.end() }
        do {
            attributes.extensions = try TracePropagation.published(
                event.extensions, caller: CallerTraceContext.current, spanID: publish.spanID, newTraceID: publish.newTraceID)
        } catch {
            throw PublishError(.invalidArgument, "event.extensions[\"traceparent\"]: \(error.reason)")
        }
        do {
            try attributes.validate()
        } catch {
            throw PublishError(.invalidArgument, "\(error)")
        }

        let sentBytes: Int
        switch event.data {
        case .json(let json): sentBytes = json.utf8.count
        case .avro(let avro): sentBytes = avro.count
        case nil: throw PublishError(.invalidArgument, "event.data: missing: set json or avro")
        }
        guard sentBytes <= maxPayloadBytes else {
            throw PublishError(.resourceExhausted, "event.data: \(sentBytes) bytes is over the limit of \(maxPayloadBytes) bytes")
        }
        let attributeBytes = RecordSize.of(keyBytes: 0, valueBytes: 0, headers: CloudEventsKafkaBinding.headers(for: attributes))
        guard attributeBytes <= maxEventBytes else {
            throw PublishError(.resourceExhausted, "event: its attributes and extensions take \(attributeBytes) bytes, over the event limit of \(maxEventBytes) bytes")
        }

        let resolved: SchemaResolver.Resolved
        do {
            resolved = try await resolver.resolve(event.schema)
        } catch {
            switch error {
            case .notFound(let message): throw PublishError(.notFound, message)
            case .invalid(let message): throw PublishError(.invalidArgument, message)
            case .unavailable(let message): throw PublishError(.unavailable, message)
            }
        }

        let payload: [UInt8]
        do {
            switch event.data {
            case .json(let json):
                payload = try resolved.schema.encodeJSON(json, mode: jsonMode)
            case .avro(let avro):
                try resolved.schema.validate(avro)
                payload = Array(avro)
            case nil:
                preconditionFailure("checked above")
            }
        } catch {
            throw PublishError(.invalidArgument, "event.data does not match schema \(resolved.id): \(error)")
        }
        let value = ConfluentWireFormat.frame(schemaID: resolved.id, payload: payload)
        guard value.count <= maxPayloadBytes else {
            throw PublishError(.resourceExhausted, "event.data: encoded record of \(value.count) bytes is over the limit of \(maxPayloadBytes) bytes")
        }

        attributes.dataSchema = "\(schemaURLBase)/schemas/ids/\(resolved.id)"
        let recordHeaders = CloudEventsKafkaBinding.headers(for: attributes)
        let eventBytes = RecordSize.of(keyBytes: 0, valueBytes: value.count, headers: recordHeaders)
        guard eventBytes <= maxEventBytes else {
            throw PublishError(.resourceExhausted, "event: \(eventBytes) bytes with its attributes, extensions and encoded payload, over the event limit of \(maxEventBytes) bytes")
        }
        let headers = recordHeaders.map { KafkaHeader(name: $0.name, value: $0.value) }
        return EncodedEvent(attributes: attributes, schemaID: resolved.id, key: [], value: value, headers: headers)
    }
}

extension EventTimestamp {
    init(date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        self.init(secondsSinceEpoch: Int64(seconds), nanoseconds: Int32(((interval - seconds) * 1_000_000_000).rounded(.down)))
    }
}
